/**
 * One accessbot "process" for crash and replica tests: builds an AppContext on a given SQLite file with a
 * file-backed (or real PostgreSQL) target and does one job, printing JSON lines on stdout.
 *   MODE=grant    file COUNT auto-approved requests (user FIRST.. ) expiring at EXPIRE_AT (+ i*SPREAD_MS/COUNT),
 *                 or after DURATION_MS; wait until the worker has applied them; exit.
 *   MODE=serve    recoverOnStart, start the scheduler, run until no grant is left granting/active/revoking
 *                 (STOP_WHEN=settled: granting/revoking) or UNTIL_MS passes, stop cleanly, exit.
 *   MODE=recover  recoverOnStart, one scheduler pass, exit.
 * KILL_AT / KILL_ON_CALL make the provider SIGKILL the process at a step (see kill-switch.ts).
 * CHAT=queue: notices are queued for platform "slack" (no adapter runs); CHAT=deliver: also a "slack" port that
 * posts into the target file after CHAT_DELAY_MS, and serve waits until no notice is pending.
 */
import { z } from 'zod';
import { openSqliteStore } from '../../../db/store/open.ts';
import { DEFAULT_RETRY, type AfterCommit, type AppContext } from '../../../src/app/context.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { Worker } from '../../../src/app/worker.ts';
import { systemClock } from '../../../src/domain/clock.ts';
import { createLogger } from '../../../src/logging.ts';
import type { Provider } from '../../../src/providers/types.ts';
import { recoverOnStart, startScheduler, type Scheduler } from '../../../src/scheduler/index.ts';
import { withKillSwitch } from './kill-switch.ts';
import { SqliteChatPort, SqliteTargetProvider } from './sqlite-target.ts';
import { selfServePolicy } from '../../support/policy-fixture.ts';

const startedAt = Date.now();
const env = z
  .object({
    MODE: z.enum(['grant', 'serve', 'recover']),
    DB: z.string().min(1),
    TARGET_KIND: z.enum(['sqlite', 'postgres']).default('sqlite'),
    TARGET: z.string().min(1),
    INSTANCE_ID: z.string().min(1),
    COUNT: z.coerce.number().int().min(0).default(0),
    FIRST: z.coerce.number().int().min(0).default(0),
    EXPIRE_AT: z.coerce.number().int().optional(),
    SPREAD_MS: z.coerce.number().int().min(0).default(0),
    DURATION_MS: z.coerce.number().int().min(1000).default(600_000),
    KILL_AT: z.enum(['grant-before', 'grant-after', 'revoke-before', 'revoke-after']).optional(),
    KILL_ON_CALL: z.coerce.number().int().min(1).default(1),
    TARGET_DELAY_MS: z.coerce.number().int().min(0).default(0),
    LEASE_MS: z.coerce.number().int().min(100).default(DEFAULT_RETRY.leaseMs),
    UNTIL_MS: z.coerce.number().int().min(100).default(20_000),
    /** serve stops when no grant is granting/active/revoking ('ended') or none is granting/revoking ('settled'). */
    STOP_WHEN: z.enum(['ended', 'settled']).default('ended'),
    SWEEP_EVERY: z.string().optional(),
    CHAT: z.enum(['off', 'queue', 'deliver']).default('off'),
    CHAT_DELAY_MS: z.coerce.number().int().min(0).default(0),
    LOG_LEVEL: z.string().default('warn'),
  })
  .parse(process.env);

function emit(event: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, pid: process.pid, instance: env.INSTANCE_ID, at: Date.now(), ...data })}\n`);
}


async function buildProvider(log: ReturnType<typeof createLogger>): Promise<Provider> {
  if (env.TARGET_KIND === 'sqlite') return new SqliteTargetProvider(env.TARGET, 'orders-db', env.TARGET_DELAY_MS);
  const { builtinProviders } = await import('../../../src/providers/registry.ts');
  const factory = builtinProviders.postgres!;
  return factory.create('orders-db', factory.resourceSchema.parse({ url: env.TARGET }) as Record<string, unknown>, { log, env: {} });
}

async function main(): Promise<void> {
  const log = createLogger(env.LOG_LEVEL, process.stderr);
  const store = openSqliteStore(env.DB);
  const provider = withKillSwitch(await buildProvider(log), env.KILL_AT ?? null, env.KILL_ON_CALL);
  const chat = env.CHAT === 'deliver' ? new SqliteChatPort(env.TARGET, 'slack', env.CHAT_DELAY_MS) : null;
  const ports = chat ? [chat] : [];
  const worker = new Worker(ports);
  // MODE=grant files every request before the worker applies any (as when the use cases were synchronous), so
  // a kill at the Nth target call leaves all COUNT requests filed and mid-flight, not just the first N.
  const filed: string[] = [];
  let filing = env.MODE === 'grant';
  let scheduler: Scheduler | null = null;
  // Composed once, as src/main.ts does: the worker, then the scheduler's re-arm once it runs.
  const afterCommit: AfterCommit = {
    grantChanged: (grantId) => {
      if (filing) return void filed.push(grantId);
      worker.grantChanged(grantId);
      scheduler?.grantChanged(grantId);
    },
    noticesQueued: () => worker.noticesQueued(),
  };
  const ctx: AppContext = {
    store,
    policy: selfServePolicy(10_000, { name: 'orders-db', provider: env.TARGET_KIND, grant: { roles: ['pg_read_all_data'] } }),
    clock: systemClock,
    log,
    env: process.env,
    providers: new Map([['orders-db', provider]]),
    platforms: env.CHAT === 'off' ? [] : ['slack'],
    secretKey: Buffer.alloc(32, 7),
    instanceId: env.INSTANCE_ID,
    afterCommit,
    retry: { ...DEFAULT_RETRY, grantBaseMs: 200, revokeBaseMs: 200, revokeCapMs: 1_000, leaseMs: env.LEASE_MS },
    random: Math.random,
  };
  worker.attach(ctx);
  const waitingFor = env.STOP_WHEN === 'ended' ? (['granting', 'active', 'revoking'] as const) : (['granting', 'revoking'] as const);
  const live = async (): Promise<number> => {
    const stats = await store.stats();
    const grantsLeft = waitingFor.reduce((sum, status) => sum + (stats.grantsByStatus[status] ?? 0), 0);
    return grantsLeft + (chat ? stats.pendingNotices : 0);
  };

  if (env.MODE === 'grant') {
    for (let i = 0; i < env.COUNT; i++) {
      const n = env.FIRST + i;
      const durationMs = env.EXPIRE_AT !== undefined ? env.EXPIRE_AT + Math.floor((i * env.SPREAD_MS) / Math.max(1, env.COUNT)) - Date.now() : env.DURATION_MS;
      await requestAccess(ctx, { roleName: 'readonly', requester: { email: `user${n}@example.com` }, durationMs, reason: `crash test ${n}`, origin: 'test' });
    }
    filing = false;
    for (const grantId of filed) worker.grantChanged(grantId);
    await worker.idle();
    emit('done', { startedAt });
  } else {
    const recovery = await recoverOnStart(ctx);
    scheduler = startScheduler(ctx, { worker, ports: () => ports, ...(env.SWEEP_EVERY ? { sweepEvery: env.SWEEP_EVERY } : {}) });
    emit('ready', { startedAt, recovery: { ...recovery, reconcile: recovery.reconcile?.providers.map((p) => ({ orphans: p.orphans.length, drift: p.drift.length })) } });
    if (env.MODE === 'recover') {
      await scheduler.runOnce();
    } else {
      const deadline = Date.now() + env.UNTIL_MS;
      while ((await live()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const status = await scheduler.status();
    await scheduler.stop();
    emit('done', { startedAt, live: await live(), timerFires: status.timer.fires, sweeps: status.jobs.sweep?.runs ?? 0 });
  }
  await provider.close?.();
  chat?.close();
  await store.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
