/**
 * Graceful shutdown of the real `accessbot serve` process, SIGTERM'd while a revoke is in flight at a live
 * webhook target (127.0.0.1): it finishes the transition before closing the database and exits 0. When the
 * target does not answer in time, the attempt fails cleanly (nothing half-done, no lease left behind) and the
 * next `serve` resumes the revoke at once.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../db/store/open.ts';
import type { GrantRecord } from '../../../db/store/port.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { tempDbPath } from '../../support/core-harness.ts';
import { killRunning, serve, startTarget, type Serve, type Target } from '../../support/serve-process.ts';
import { withPolicyContext } from '../../support/policy-context.ts';

const SECRET = 'a-very-long-test-secret-123';

interface Setup {
  env: Record<string, string>;
  dbPath: string;
  grantId: string;
}

/** A policy with one webhook resource and one live grant, applied at the target through the core. */
async function setUp(target: Target, webhookExtra: string): Promise<Setup> {
  const dbPath = tempDbPath();
  const policyPath = join(dirname(dbPath), 'policy.yaml');
  writeFileSync(
    policyPath,
    `version: 1
resources:
  hook: { provider: webhook, url: "${target.url}", secret: env:HOOK_SECRET${webhookExtra} }
roles:
  deploy:
    resource: hook
    requesters: [alice@example.com]
    approvers: [bob@example.com]
    max_duration: 2h
`,
  );
  const env = { ACCESSBOT_DB: dbPath, ACCESSBOT_POLICY: policyPath, HOOK_SECRET: SECRET, PORT: '0', LOG_LEVEL: 'info' };
  const grantId = await withPolicyContext({ policyPath, dbPath, env }, async (ctx) => {
    const { view } = await requestAccess(ctx, { roleName: 'deploy', requester: { email: 'alice@example.com' }, durationMs: 3_600_000, reason: 'release 42', origin: 'test' });
    return (await review(ctx, { requestId: view.id, reviewer: { email: 'bob@example.com' }, decision: 'approve' })).view.grant!.id;
  });
  return { env, dbPath, grantId };
}

/** The grant and its audit trail, read through the store as an onlooker while a serve process may run. */
async function readGrant(dbPath: string, id: string): Promise<{ row: GrantRecord; actions: Array<{ action: string; at: number }> }> {
  const store = openSqliteStore(dbPath, { migrate: false });
  try {
    const row = (await store.getGrant(id))!;
    const actions: Array<{ action: string; at: number }> = [];
    for await (const event of store.auditRows()) if (event.grantId === id) actions.push({ action: event.action, at: event.at });
    return { row, actions };
  } finally {
    await store.close();
  }
}

/** Make the grant due now, behind the running bot's back: its next sweep (≤ 5 s) starts the revoke. */
async function expireNow(dbPath: string, id: string): Promise<void> {
  const store = openSqliteStore(dbPath, { migrate: false });
  try {
    await store.tx((uow) => uow.updateGrant(id, {}, { expiresAt: Date.now() - 1, appliedExpiresAt: Date.now() - 1 }));
  } finally {
    await store.close();
  }
}

function messages(s: Serve): string[] {
  return s.logs.map((l) => l.msg ?? '');
}

let target: Target | null = null;
afterEach(async () => {
  await killRunning();
  await target?.close();
  target = null;
});

describe('SIGTERM during a revoke (real serve process, webhook target)', () => {
  it('finishes the in-flight revoke, then closes the database and exits 0', async () => {
    target = await startTarget();
    const setup = await setUp(target, '');
    expect(target.events.map((e) => e.event)).toEqual(['grant']);
    const bot = serve(setup.env);
    await bot.serving;

    let answeredAt = 0;
    target.answer.revoke = (res) =>
      setTimeout(() => {
        answeredAt = Date.now();
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }, 1_500); // the target takes its time; SIGTERM arrives meanwhile
    const revokeArrived = target.next('revoke');
    await expireNow(setup.dbPath, setup.grantId);
    await revokeArrived;
    bot.kill('SIGTERM');
    const exit = await bot.exited;

    expect(exit, bot.stderr()).toMatchObject({ code: 0, signal: null });
    expect(answeredAt).toBeGreaterThan(0);
    expect(exit.at).toBeGreaterThanOrEqual(answeredAt);
    const { row, actions } = await readGrant(setup.dbPath, setup.grantId);
    expect(row).toMatchObject({ status: 'revoked', leaseOwner: null, leaseUntil: null });
    expect(actions.filter((a) => a.action === 'grant.revoked')).toHaveLength(1);
    expect(target.events.map((e) => e.event)).toEqual(['grant', 'revoke']);
    // In order: the signal, no new work, the scheduler drained, then the database closed.
    const order = ['signal received', 'shutting down: no new work, finishing what is in flight', 'scheduler stopped', 'stopped'].map((m) => messages(bot).indexOf(m));
    expect(order.every((i) => i >= 0), messages(bot).join('\n')).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(bot.stderr()).not.toMatch(/not open|unexpected error|unhandled/i);
    expect(bot.logs.filter((l) => (l.level ?? 0) >= 50).map((l) => l.msg)).toEqual([]);
  }, 60_000);

  it('a target that does not answer in time: the attempt fails cleanly, exit 0, and the next serve resumes the revoke', async () => {
    target = await startTarget();
    const setup = await setUp(target, ', timeout: 1s, max_attempts: 1');
    const first = serve(setup.env);
    await first.serving;
    target.answer.revoke = () => {}; // never answered
    const revokeArrived = target.next('revoke');
    await expireNow(setup.dbPath, setup.grantId);
    await revokeArrived;
    first.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit, first.stderr()).toMatchObject({ code: 0, signal: null });
    let { row } = await readGrant(setup.dbPath, setup.grantId);
    expect(row).toMatchObject({ status: 'revoking', attempts: 1, leaseOwner: null, leaseUntil: null });
    expect(row.lastError).toMatch(/timed out/);

    const second = serve(setup.env); // the target answers now
    await second.serving;
    const deadline = Date.now() + 15_000;
    while ((await readGrant(setup.dbPath, setup.grantId)).row.status !== 'revoked' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    second.kill('SIGTERM');
    expect(await second.exited, second.stderr()).toMatchObject({ code: 0, signal: null });
    ({ row } = await readGrant(setup.dbPath, setup.grantId));
    expect(row).toMatchObject({ status: 'revoked', leaseOwner: null });
    expect(target.events.map((e) => e.event)).toEqual(['grant', 'revoke', 'revoke']);
    expect((await readGrant(setup.dbPath, setup.grantId)).actions.filter((a) => a.action === 'grant.revoked')).toHaveLength(1);
  }, 60_000);
});
