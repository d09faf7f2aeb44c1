/**
 * Time to access on PostgreSQL: from the Approve decision (the core's review use case — what a Slack or Teams
 * Approve click calls right after its ack) until the requester's new login actually connects: the grant is
 * created at the target by the after-commit worker (the built-in provider in ephemeral mode, against the bench
 * server), the requester opens their sealed credentials (show credentials), connects with them and runs
 * `SELECT 1`. One request at a time, the store a temporary SQLite file. The other half of the path — command →
 * approval card posted — is measured end to end through Slack by the throughput benchmark. Prints; never asserts.
 * Target: p99 ≤ 100 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openStore } from '../db/store/open.ts';
import { requestAccess } from '../src/app/request-access.ts';
import { review } from '../src/app/review.ts';
import { showCredentials } from '../src/app/show-credentials.ts';
import { createPostgresProvider, postgresResourceSchema } from '../src/providers/postgres/index.ts';
import { selfServePolicy } from '../test/support/policy-fixture.ts';
import { benchContext } from './lib/core-context.ts';
import { BENCH_PG_URL, postgresSkipReason, shownUrl } from './lib/postgres.ts';
import { runIfMain, sized, spreadFigures, type BenchResult, type Mode } from './lib/report.ts';
import { num, spread } from './lib/stats.ts';

const TARGET_P99_MS = 100;
const APPROVER = { email: 'approver@example.com' };
/** Longer than the fixture's auto-approval limit (15 min): every request waits for the approver. */
const DURATION_MS = 30 * 60_000;

export async function bench(mode: Mode): Promise<BenchResult> {
  const count = sized(mode, { full: 100, quick: 30, smoke: 3 });
  const header = ['path', 'requests', 'p50 ms', 'p99 ms', 'max ms'];
  const pgSkip = await postgresSkipReason();
  if (pgSkip) return { id: 'time-to-access', title: 'Time to access (PostgreSQL login)', header, rows: [], figures: [], notes: [pgSkip] };
  const dir = mkdtempSync(join(tmpdir(), 'accessbot-bench-tta-'));
  const store = await openStore({ sqlitePath: join(dir, 'bench.db') });
  const provider = createPostgresProvider('db', postgresResourceSchema.parse({ url: BENCH_PG_URL }), { log: { info: () => undefined, warn: () => undefined }, env: {} });
  const { ctx, worker } = benchContext(store, selfServePolicy(count + 1, { name: 'db', provider: 'postgres', grant: { roles: ['pg_read_all_data'] } }), provider);
  const times: number[] = [];
  try {
    for (let i = 0; i <= count; i++) {
      const requester = { email: `user${i}@example.com` };
      const filed = await requestAccess(ctx, { roleName: 'readonly', requester, durationMs: DURATION_MS, reason: 'bench', origin: 'bench' });
      const started = performance.now();
      await review(ctx, { requestId: filed.view.id, reviewer: APPROVER, decision: 'approve' });
      let credentials: Record<string, string> | null = null;
      while (!credentials) {
        const grant = await store.grantOfRequest(filed.view.id);
        if (grant?.status === 'failed') throw new Error(`grant failed: ${grant.lastError}`);
        if (grant?.status === 'active') credentials = (await showCredentials(ctx, { requestId: filed.view.id, actor: requester })).credentials;
        else await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const client = new pg.Client({ connectionString: credentials.url });
      client.on('error', () => undefined);
      await client.connect();
      await client.query('SELECT 1');
      const took = performance.now() - started;
      await client.end();
      // The first one warms the provider's admin pool and is not counted.
      if (i > 0) times.push(took);
    }
    await worker.idle();
  } finally {
    await provider.close?.();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const s = spread(times);
  return {
    id: 'time-to-access',
    title: 'Time to access (PostgreSQL login)',
    header,
    rows: [['Approve → login connects (SELECT 1)', String(count), num(s.p50), `${num(s.p99)}${s.p99 <= TARGET_P99_MS ? ' ✓' : ' ✗'}`, num(s.max)]],
    figures: spreadFigures('approve_to_login_connects', s, { target: 'postgres', store: 'sqlite' }),
    notes: [
      `Approve through the core's review use case (what a chat Approve click runs after its ack) → grant at ${shownUrl(BENCH_PG_URL)} (ephemeral LOGIN role) → credentials opened by the requester → connect and SELECT 1; one request at a time, after one warm-up. Target p99 ≤ ${TARGET_P99_MS} ms (✓ met, ✗ missed).`,
      'command → approval card posted through Slack: see the throughput table (card p50/p99).',
    ],
  };
}

await runIfMain(import.meta.url, bench);
