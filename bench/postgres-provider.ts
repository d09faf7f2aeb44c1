/**
 * Time of one PostgreSQL grant and one revoke (ephemeral mode), median of N runs; and of a revoke that has to
 * end an open session of the login (pg_terminate_backend waits until the backend is gone).
 * Usage: tsx bench/postgres-provider.ts [runs]   (ACCESSBOT_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test)
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPostgresProvider, postgresResourceSchema } from '../src/providers/postgres/index.ts';
import type { GrantTarget } from '../src/providers/types.ts';

const url = process.env.ACCESSBOT_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const runs = Number(process.argv[2] ?? 20);
const silent = { info: () => undefined, warn: () => undefined };
const provider = createPostgresProvider('bench', postgresResourceSchema.parse({ url }), { log: silent, env: {} });

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function target(): GrantTarget {
  const now = new Date();
  return {
    grantId: `bench${randomBytes(6).toString('hex')}`,
    requestId: 'AR-0',
    requester: { email: 'bench@example.com', slackId: null, teamsId: null },
    role: 'readonly',
    resource: 'bench',
    params: { roles: ['pg_read_all_data'] },
    startsAt: now,
    expiresAt: new Date(now.getTime() + 3_600_000),
    approvedBy: [],
    reason: 'bench',
    ticket: null,
  };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

try {
  // Warm the pool so connection set-up is not counted.
  const warm = target();
  await provider.grant(warm);
  await provider.revoke(warm);

  const grants: number[] = [];
  const revokes: number[] = [];
  const revokesWithSession: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = target();
    grants.push(await timed(() => provider.grant(t)));
    revokes.push(await timed(() => provider.revoke(t)));

    const s = target();
    const creds = (await provider.grant(s)).credentials!;
    const session = new pg.Client({ connectionString: creds.url });
    session.on('error', () => undefined);
    await session.connect();
    revokesWithSession.push(await timed(() => provider.revoke(s)));
    await session.end().catch(() => undefined);
  }
  const fmt = (ms: number) => ms.toFixed(1);
  const line = (name: string, values: number[]) =>
    console.log(`  ${name.padEnd(22)} median ${fmt(median(values))} ms  (min ${fmt(Math.min(...values))}, max ${fmt(Math.max(...values))})`);
  console.log(`postgres provider (${runs} runs, ${new URL(url).host}):`);
  line('grant', grants);
  line('revoke', revokes);
  line('revoke, 1 open session', revokesWithSession);
} finally {
  await provider.close?.();
}
