/**
 * Time of one PostgreSQL grant and one revoke (ephemeral mode), median of N runs.
 * Usage: tsx bench/postgres-provider.ts [runs]   (ACCESSBOT_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test)
 */
import { randomBytes } from 'node:crypto';
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

try {
  // Warm the pool so connection set-up is not counted.
  const warm = target();
  await provider.grant(warm);
  await provider.revoke(warm);

  const grants: number[] = [];
  const revokes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = target();
    let start = performance.now();
    await provider.grant(t);
    grants.push(performance.now() - start);
    start = performance.now();
    await provider.revoke(t);
    revokes.push(performance.now() - start);
  }
  const fmt = (ms: number) => ms.toFixed(1);
  console.log(`postgres provider (${runs} runs, ${new URL(url).host}):`);
  console.log(`  grant   median ${fmt(median(grants))} ms  (min ${fmt(Math.min(...grants))}, max ${fmt(Math.max(...grants))})`);
  console.log(`  revoke  median ${fmt(median(revokes))} ms  (min ${fmt(Math.min(...revokes))}, max ${fmt(Math.max(...revokes))})`);
} finally {
  await provider.close?.();
}
