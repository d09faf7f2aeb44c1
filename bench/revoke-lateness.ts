/**
 * Revoke lateness: N grants (default 1,000) expiring within the same W seconds (default 10) in real time, the
 * scheduler running with real timers and the system clock, a target that takes ~2 ms per call. Lateness per
 * grant = revoked_at − expires_at, read back from the store. Runs on SQLite (a temporary file) and on
 * PostgreSQL (a fresh database, dropped afterwards; skipped with a line saying so when no server answers) and
 * prints them side by side. Prints; never asserts.
 * Usage: tsx bench/revoke-lateness.ts [count] [windowSeconds]      Target: p99 ≤ 100 ms on either store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../db/store/open.ts';
import type { GrantRecord, StoreReads } from '../db/store/port.ts';
import type { RequestId } from '../src/domain/request-id.ts';
import { DEFAULT_RETRY, type AppContext } from '../src/app/context.ts';
import { requestAccess } from '../src/app/request-access.ts';
import { Worker } from '../src/app/worker.ts';
import { systemClock } from '../src/domain/clock.ts';
import { silentLogger } from '../src/logging.ts';
import type { GrantOutcome, GrantTarget, Provider, RevokeOutcome } from '../src/providers/types.ts';
import { recoverOnStart, startScheduler } from '../src/scheduler/index.ts';
import { selfServePolicy } from '../test/support/policy-fixture.ts';
import { onInterrupt } from './lib/cleanup.ts';
import { BENCH_PG_URL, freshPostgresDatabase, postgresSkipReason } from './lib/postgres.ts';
import { num, percentile, printTable } from './lib/stats.ts';

export interface LatenessResult {
  count: number;
  revoked: number;
  p50: number;
  p99: number;
  max: number;
  /** Same percentiles for when the revoke was started (moved to revoking), before the target call. */
  startedP99: number;
  setupMs: number;
}

/** A target with a small, fixed latency per call. */
class SlowTarget implements Provider {
  readonly kind = 'bench';
  readonly held = new Set<string>();
  constructor(
    readonly resource: string,
    private readonly delayMs: number,
  ) {}
  async grant(target: GrantTarget): Promise<GrantOutcome> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.held.add(target.grantId);
    return {};
  }
  async revoke(target: GrantTarget): Promise<RevokeOutcome> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.held.delete(target.grantId);
    return {};
  }
}

/** Where the store lives: a temporary SQLite file (default) or this PostgreSQL database. */
export interface BenchStore {
  databaseUrl?: string;
}

export async function measureRevokeLateness(count = 1_000, windowMs = 10_000, targetDelayMs = 2, where: BenchStore = {}): Promise<LatenessResult> {
  const dir = mkdtempSync(join(tmpdir(), 'accessbot-bench-'));
  const store = await openStore(where.databaseUrl ? { databaseUrl: where.databaseUrl } : { sqlitePath: join(dir, 'bench.db') });
  const provider = new SlowTarget('db', targetDelayMs);
  const worker = new Worker();
  const ctx: AppContext = {
    store,
    policy: selfServePolicy(count, { name: 'db', provider: 'bench' }),
    clock: systemClock,
    log: silentLogger(),
    providers: new Map([['db', provider]]),
    platforms: [],
    secretKey: null,
    instanceId: 'bench',
    afterCommit: worker,
    retry: { ...DEFAULT_RETRY },
    random: Math.random,
  };
  worker.attach(ctx);
  try {
    const setupStart = Date.now();
    const requestIds: RequestId[] = [];
    for (let i = 0; i < count; i++) {
      const filed = await requestAccess(ctx, { roleName: 'readonly', requester: { email: `user${i}@example.com` }, durationMs: 600_000, reason: 'bench', origin: 'bench' });
      requestIds.push(filed.view.id);
    }
    await worker.idle();
    const setupMs = Date.now() - setupStart;
    // Expiries are set once every grant is active, so a slow (or busy) machine's set-up cannot eat into the window.
    const firstExpiry = Date.now() + 2_000;
    const active = (await grantsOf(store, requestIds)).filter((g) => g.status === 'active').sort((a, b) => a.createdAt - b.createdAt);
    if (active.length !== count) throw new Error(`expected ${count} active grants after set-up, found ${active.length}`);
    await store.tx(async (uow) => {
      for (const [i, { id }] of active.entries()) {
        const expiresAt = firstExpiry + Math.floor((i * windowMs) / count);
        await uow.updateGrant(id, { status: 'active' }, { expiresAt, appliedExpiresAt: expiresAt });
      }
    });

    await recoverOnStart(ctx);
    const scheduler = startScheduler(ctx, { worker, ports: () => [] });
    const deadline = firstExpiry + windowMs + 60_000;
    const live = async () => (await store.liveGrantRequestIds()).length;
    while ((await live()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await scheduler.stop();

    const rows = await grantsOf(store, requestIds);
    const revoked = rows.filter((g) => g.status === 'revoked' && g.revokedAt !== null);
    const lateness = revoked.map((g) => g.revokedAt! - g.expiresAt).sort((a, b) => a - b);
    const started = revoked.map((g) => (g.revokeRequestedAt ?? g.revokedAt!) - g.expiresAt).sort((a, b) => a - b);
    return {
      count: rows.length,
      revoked: revoked.length,
      p50: percentile(lateness, 50),
      p99: percentile(lateness, 99),
      max: lateness[lateness.length - 1] ?? Number.NaN,
      startedP99: percentile(started, 99),
      setupMs,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The grants of these requests (each access request files at most one). */
async function grantsOf(store: Pick<StoreReads, 'grantOfRequest'>, requestIds: readonly RequestId[]): Promise<GrantRecord[]> {
  const found: GrantRecord[] = [];
  for (const id of requestIds) {
    const grant = await store.grantOfRequest(id);
    if (grant) found.push(grant);
  }
  return found;
}

const TARGET_P99_MS = 100;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const count = Number(process.argv[2] ?? 1_000);
  const windowMs = Number(process.argv[3] ?? 10) * 1_000;
  console.log(`Revoke lateness: ${count.toLocaleString('en')} grants expiring within ${windowMs / 1000} s, scheduler with real timers, target ~2 ms per call. Lateness = revoked_at − expires_at.`);
  const results: Array<[string, LatenessResult]> = [['SQLite', await measureRevokeLateness(count, windowMs)]];
  const pgSkip = await postgresSkipReason();
  if (pgSkip) {
    console.log(pgSkip);
  } else {
    const database = await freshPostgresDatabase();
    const drop = onInterrupt(() => database.drop());
    try {
      results.push([`PostgreSQL (${new URL(BENCH_PG_URL).host})`, await measureRevokeLateness(count, windowMs, 2, { databaseUrl: database.url })]);
    } finally {
      await drop();
    }
  }
  printTable(
    ['store', 'revoked', 'p50 ms', 'p99 ms', 'max ms', 'revoke started p99 ms', 'set-up ms', `p99 ≤ ${TARGET_P99_MS} ms`],
    results.map(([label, r]) => [
      label,
      `${r.revoked}/${r.count}`,
      num(r.p50, 0),
      num(r.p99, 0),
      num(r.max, 0),
      num(r.startedP99, 0),
      num(r.setupMs, 0),
      r.revoked === r.count && r.p99 <= TARGET_P99_MS ? 'met' : 'MISSED',
    ]),
  );
}
