/**
 * Composition root: configuration, store, providers, core, chat adapters, scheduler and the HTTP server.
 * `accessbot serve` calls startAccessbot(); tests call it too, with their own config and clock.
 */
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { openStore } from '../db/store/open.ts';
import { DEFAULT_RETRY, createContext, type AfterCommit, type AppContext, type RetryPolicy } from './app/context.ts';
import { Worker } from './app/worker.ts';
import { postDigest } from './app/post-digest.ts';
import type { ChatAdapter } from './chat-adapter.ts';
import type { Config } from './config/env.ts';
import { loadPolicyOrThrow } from './config/startup-policy.ts';
import type { Clock } from './domain/clock.ts';
import type { Policy } from './domain/policy.ts';
import { createHttpApp } from './http/server.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { createLogger, type Logger } from './logging.ts';
import { checkGrantsAtTargets } from './app/check-targets.ts';
import { providersForPolicy } from './providers/registry.ts';
import type { Provider } from './providers/types.ts';
import { recoverOnStart, startScheduler, type Scheduler } from './scheduler/index.ts';
import { createSlackAdapter } from '../adapters/slack/index.ts';

export { StartupError, loadPolicyOrThrow } from './config/startup-policy.ts';

export interface StartOptions {
  clock?: Clock;
  log?: Logger;
  /** Replace the providers built from the policy (tests). */
  providers?: ReadonlyMap<string, Provider>;
  policy?: Policy;
  retry?: Partial<RetryPolicy>;
  /** Scheduler sweep (node-cron expression); default every 5 s. */
  sweepEvery?: string;
  instanceId?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface RunningAccessbot {
  ctx: AppContext;
  worker: Worker;
  scheduler: Scheduler;
  metrics: Metrics;
  server: Server;
  /** The port the server listens on (useful with PORT=0). */
  port: number;
  adapters: ChatAdapter[];
  stop(): Promise<void>;
}

export async function startAccessbot(config: Config, options: StartOptions = {}): Promise<RunningAccessbot> {
  const env = options.env ?? process.env;
  const log = options.log ?? createLogger(config.logLevel);
  let policy = options.policy;
  if (!policy) {
    const loaded = loadPolicyOrThrow(config, env);
    policy = loaded.policy;
    log.info({ policy: loaded.path, roles: Object.keys(policy.roles).length }, 'policy loaded');
    for (const warning of loaded.warnings) log.warn({ policy: loaded.path }, warning);
  }
  // PostgreSQL when DATABASE_URL is set, else the SQLite file; pending migrations are applied first.
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    sqlitePath: config.dbPath,
    onConnectionError: (error) => log.warn({ err: error.message }, 'a pooled database connection failed; queries use a new one'),
  });
  log.info({ store: store.kind, location: store.location }, 'store opened');
  const providers =
    options.providers ??
    providersForPolicy(policy, { log, env });
  const worker = new Worker();
  let scheduler: Scheduler | null = null;
  // The process's one after-commit hook, composed here and never rewired: the worker applies each committed
  // grant change at the target and delivers queued notices; the scheduler, once started, re-arms its expiry
  // timer (a new grant or an extension may move the next expiry earlier).
  const afterCommit: AfterCommit = {
    grantChanged: (grantId) => {
      worker.grantChanged(grantId);
      scheduler?.grantChanged(grantId);
    },
    noticesQueued: () => worker.noticesQueued(),
  };
  const ctx = createContext({
    store,
    policy,
    log,
    providers,
    secretKey: config.secretKey ?? null,
    instanceId: options.instanceId ?? config.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    afterCommit,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  worker.attach(ctx);
  const metrics = createMetrics(ctx);
  const http = createHttpApp(ctx, metrics, () => scheduler?.healthy() ?? false);

  const adapters: ChatAdapter[] = [];
  if (config.slack) adapters.push(createSlackAdapter({ ctx, http, config: config.slack, metrics }));
  if (!config.slack && !config.teams) log.warn('no chat platform is configured (set SLACK_BOT_TOKEN …); only the CLI, /healthz and /metrics work');
  if (config.teams || config.teamsEmulator) log.warn('the Teams adapter is not part of this build yet; /api/messages is not served');
  const ports = adapters.map((a) => a.port);
  ctx.platforms = ports.map((p) => p.platform);
  worker.setPorts(ports);

  await recoverOnStart(ctx);
  // Tell operators now, not at the first request, about a grant a target would refuse (the grant checks again).
  void checkGrantsAtTargets(policy, providers).then((findings) => {
    for (const f of findings) {
      if (f.unreachable) log.warn({ role: f.role, resource: f.resource, err: f.unreachable }, 'could not check the role against its target at start');
      if (f.problems.length) log.error({ role: f.role, resource: f.resource, problems: f.problems }, 'the target would refuse this role\'s grant');
    }
  });
  // A digest run missed while the bot was down is posted now (a period already posted is skipped).
  if (policy.digest) await postDigest(ctx).catch((error: unknown) => log.error({ err: String(error) }, 'catch-up digest failed'));
  scheduler = startScheduler(ctx, {
    worker,
    ports: () => ports,
    onDigest: async () => void (await postDigest(ctx)),
    ...(options.sweepEvery ? { sweepEvery: options.sweepEvery } : {}),
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = http.listen(config.port, '0.0.0.0', () => resolve(listening));
    listening.once('error', reject);
  });
  for (const adapter of adapters) await adapter.start();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, platforms: ctx.platforms, instance: ctx.instanceId }, 'accessbot is serving');

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down: no new work, finishing what is in flight');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections(); // keep-alive sockets would otherwise hold close() open
      await closed;
      for (const adapter of adapters) await adapter.stop().catch(() => {});
      await scheduler?.stop();
      await worker.stop();
      for (const provider of providers.values()) await provider.close?.().catch(() => {});
      await store.close();
      log.info('stopped');
    })());
  return { ctx, worker, scheduler, metrics, server, port, adapters, stop };
}
