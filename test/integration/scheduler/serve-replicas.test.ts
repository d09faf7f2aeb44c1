/**
 * Two real `accessbot serve` processes on one SQLite file, 200 grants at a live webhook target expiring within
 * the same second: the target is told to revoke each grant exactly once, and every grant ends revoked.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../db/store/open.ts';
import { allGrants } from '../crash/consistency.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { tempDbPath } from '../../support/core-harness.ts';
import { killRunning, serve, startTarget, type Target } from '../../support/serve-process.ts';
import { withPolicyContext } from '../../support/policy-context.ts';

const GRANTS = 200;
const SECRET = 'a-very-long-test-secret-123';
let target: Target | null = null;

afterEach(async () => {
  await killRunning();
  await target?.close();
  target = null;
});

async function seed(t: Target): Promise<{ env: Record<string, string>; dbPath: string }> {
  const dbPath = tempDbPath();
  const policyPath = join(dirname(dbPath), 'policy.yaml');
  const people = Array.from({ length: GRANTS }, (_, i) => `user${i}@example.com`);
  writeFileSync(
    policyPath,
    `version: 1
resources:
  hook: { provider: webhook, url: "${t.url}", secret: env:HOOK_SECRET }
roles:
  deploy:
    resource: hook
    requesters: [${people.join(', ')}]
    approvers: [bob@example.com]
    max_duration: 2h
    auto_approve: { max_duration: 2h }
`,
  );
  const env = { ACCESSBOT_DB: dbPath, ACCESSBOT_POLICY: policyPath, HOOK_SECRET: SECRET, PORT: '0', LOG_LEVEL: 'info' };
  await withPolicyContext({ policyPath, dbPath, env }, async (ctx) => {
    for (const email of people) await requestAccess(ctx, { roleName: 'deploy', requester: { email }, durationMs: 3_600_000, reason: 'replica test', origin: 'test' });
  });
  return { env, dbPath };
}

describe('two serve replicas on one database', () => {
  it('revoke each of 200 grants at the target exactly once', async () => {
    target = await startTarget();
    const { env, dbPath } = await seed(target);
    expect(target.events.filter((e) => e.event === 'grant')).toHaveLength(GRANTS);

    const a = serve(env);
    const b = serve(env);
    await Promise.all([a.serving, b.serving]);

    // Both replicas are up: make all 200 grants expire within the same second, behind their backs.
    const store = openSqliteStore(dbPath, { migrate: false });
    const base = Date.now() + 1_500;
    const ids = (await allGrants(store)).map((g) => g.id);
    await store.tx(async (uow) => {
      for (const [i, id] of ids.entries()) {
        const at = base + Math.floor((i * 1_000) / GRANTS);
        await uow.updateGrant(id, {}, { expiresAt: at, appliedExpiresAt: at });
      }
    });

    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && target.events.filter((e) => e.event === 'revoke').length < GRANTS) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1_000)); // room for a duplicate to show up, if there were one

    const revokes = target.events.filter((e) => e.event === 'revoke').map((e) => e.grant_id);
    expect(revokes).toHaveLength(GRANTS);
    expect(new Set(revokes)).toEqual(new Set(ids));
    const statuses = await allGrants(store);
    expect(statuses).toHaveLength(GRANTS);
    expect(statuses.every((g) => g.status === 'revoked')).toBe(true);
    await store.close();

    a.kill('SIGTERM');
    b.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    expect((await b.exited).code).toBe(0);
  }, 90_000);
});
