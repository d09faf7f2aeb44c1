/**
 * Real `accessbot serve` replicas sharing one PostgreSQL database behind a round-robin of signed Slack
 * requests, with a live webhook target and the Slack emulator on 127.0.0.1:
 * - 200 requests spread over three replicas: each granted once and, expiring together, revoked once;
 * - the same signed Slack request delivered to two replicas has one effect;
 * - the replica holding a revoke is SIGKILLed mid-call and another finishes it;
 * - PostgreSQL restarted while grants expire: revokes resume when it is back, nothing lost, the chain verifies.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postToApp, SlackRequestSigner, startSlackEmulator, type EmulatedUser, type SlackEmulator } from '../../../playground/slack-emulator/index.ts';
import { openStore } from '../../../db/store/open.ts';
import type { Store } from '../../../db/store/port.ts';
import { verifyAuditChain } from '../../../src/audit/verify.ts';
import { tempDbPath } from '../../support/core-harness.ts';
import { detectPostgres, scramClusterSkipReason, startScramCluster, type ScramCluster } from '../../support/postgres.ts';
import { killRunning, running, serve, startTarget, type Serve, type Target } from '../../support/serve-process.ts';
import { eventually as until } from '../../support/eventually.ts';
import { freshPostgresDatabase, type TestDatabase } from '../../support/stores.ts';

const SIGNING_SECRET = 'replica-test-signing-secret';
const HOOK_SECRET = 'a-very-long-test-secret-123';
const APPROVER: EmulatedUser = { id: 'U0APPROVER', name: 'approver', email: 'approver@example.com' };
const people = (n: number): EmulatedUser[] => Array.from({ length: n }, (_, i) => ({ id: `U${String(i).padStart(4, '0')}`, name: `user${i}`, email: `user${i}@example.com` }));

const pg = await detectPostgres();
const clusterSkip = pg.skipReason ?? scramClusterSkipReason();

let target: Target | null = null;
let emulator: SlackEmulator | null = null;
let database: TestDatabase | null = null;
let cluster: ScramCluster | null = null;
const stores: Store[] = [];

afterEach(async () => {
  await killRunning();
  for (const store of stores.splice(0)) await store.close().catch(() => {});
  await target?.close();
  await emulator?.close();
  await database?.drop();
  await cluster?.stop();
  target = emulator = database = cluster = null;
});

interface Fleet {
  replicas: { serve: Serve; port: number; id: string }[];
  signer: SlackRequestSigner;
  users: EmulatedUser[];
}

async function fleet(databaseUrl: string, count: number, users: EmulatedUser[], hook: Target, extraEnv: Record<string, string> = {}): Promise<Fleet> {
  emulator = await startSlackEmulator({ users: [...users, APPROVER], channels: [{ id: 'C0APPROVALS', name: 'access-approvals' }, { id: 'C0AUDIT', name: 'access-audit' }] });
  const policyPath = join(dirname(tempDbPath()), 'policy.yaml');
  writeFileSync(
    policyPath,
    `version: 1
min_duration: 1s
channels:
  approvals: { slack: C0APPROVALS }
  audit: { slack: C0AUDIT }
resources:
  hook: { provider: webhook, url: "${hook.url}", secret: env:HOOK_SECRET }
roles:
  deploy:
    resource: hook
    requesters: [${users.map((u) => u.email).join(', ')}]
    approvers: [${APPROVER.email}]
    max_duration: 2h
    auto_approve: { max_duration: 2h }
  reviewed:
    resource: hook
    requesters: [${users.map((u) => u.email).join(', ')}]
    approvers: [${APPROVER.email}]
    max_duration: 2h
`,
  );
  const replicas = Array.from({ length: count }, (_, i) => {
    const id = `replica-${i + 1}`;
    const env = {
      DATABASE_URL: databaseUrl,
      ACCESSBOT_POLICY: policyPath,
      ACCESSBOT_INSTANCE_ID: id,
      HOOK_SECRET,
      PORT: '0',
      LOG_LEVEL: 'info',
      SLACK_BOT_TOKEN: emulator!.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: emulator!.url,
      ...extraEnv,
    };
    return { serve: serve(env, { guardMs: 170_000 }), id };
  });
  // All start at once: the migration lock lets exactly one apply the schema while the others wait.
  await Promise.all(replicas.map((r) => r.serve.serving));
  return {
    replicas: replicas.map((r) => ({ ...r, port: servingPort(r.serve) })),
    signer: new SlackRequestSigner({ signingSecret: SIGNING_SECRET }),
    users,
  };
}

function servingPort(s: Serve): number {
  const entry = s.logs.find((l) => l.msg === 'accessbot is serving');
  return Number(entry?.port);
}

const url = (port: number) => `http://127.0.0.1:${port}/slack/events`;

/** Each user files `/request-access ROLE …`, sent round-robin to the replicas, a few at a time. */
async function fileRequests(f: Fleet, role: string, parallel = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < f.users.length) {
      const i = next++;
      const user = f.users[i]!;
      const replica = f.replicas[i % f.replicas.length]!;
      const request = f.signer.slashCommand({ userId: user.id, command: '/request-access', text: `${role} 1h replica test` });
      const response = await postToApp(url(replica.port), request);
      expect(response.status).toBe(200);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

const eventsOf = (t: Target, event: string) => t.events.filter((e) => e.event === event).map((e) => e.grant_id);

/** Make every live grant expire within one second from `inMs` on, behind the replicas' backs. */
async function expireTogether(store: Store, inMs: number): Promise<string[]> {
  const ids: string[] = [];
  const requestIds = await store.liveGrantRequestIds();
  const base = Date.now() + inMs;
  await store.tx(async (uow) => {
    for (const [i, requestId] of requestIds.entries()) {
      const grant = (await uow.grantOfRequest(requestId))!;
      const at = base + Math.floor((i * 1_000) / requestIds.length);
      await uow.updateGrant(grant.id, { status: 'active' }, { expiresAt: at, appliedExpiresAt: at });
      ids.push(grant.id);
    }
  });
  return ids;
}

async function stopAll(f: Fleet): Promise<void> {
  for (const r of f.replicas) r.serve.kill('SIGTERM');
  for (const r of f.replicas) expect((await r.serve.exited).code).toBe(0);
}

describe.skipIf(pg.skipReason)('replicas on one PostgreSQL database', () => {
  it('three replicas behind a round-robin: 200 requests granted once each, then revoked once each when they expire together', async () => {
    target = await startTarget();
    database = await freshPostgresDatabase(pg.url);
    const f = await fleet(database.location, 3, people(200), target);
    const store = await openStore({ databaseUrl: database.location, migrate: false });
    stores.push(store);

    await fileRequests(f, 'deploy');
    await until('200 grants at the target', () => eventsOf(target!, 'grant').length >= 200, 60_000);
    const granted = eventsOf(target, 'grant');
    expect(new Set(granted).size).toBe(200);
    expect(granted).toHaveLength(200);
    await until('every grant active', async () => (await store.stats()).grantsByStatus.active === 200, 30_000);

    const ids = await expireTogether(store, 1_500);
    await until('200 revokes at the target', () => eventsOf(target!, 'revoke').length >= 200, 60_000);
    await new Promise((r) => setTimeout(r, 1_500)); // room for a duplicate to show up, if there were one
    const revoked = eventsOf(target, 'revoke');
    expect(revoked).toHaveLength(200);
    expect(new Set(revoked)).toEqual(new Set(ids));
    await until('every grant revoked', async () => (await store.stats()).grantsByStatus.revoked === 200, 30_000);
    expect(await verifyAuditChain(store)).toMatchObject({ ok: true });
    await stopAll(f);
  }, 170_000);

  it('the same signed Slack request delivered to two replicas has one effect', async () => {
    target = await startTarget();
    database = await freshPostgresDatabase(pg.url);
    const f = await fleet(database.location, 2, people(1), target);
    const store = await openStore({ databaseUrl: database.location, migrate: false });
    stores.push(store);

    const request = f.signer.slashCommand({ userId: f.users[0]!.id, command: '/request-access', text: 'reviewed 30m checking INC-1' });
    const answers = await Promise.all(f.replicas.map((r) => postToApp(url(r.port), request)));
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const cards = () => emulator!.messages('C0APPROVALS').filter((m) => !m.threadTs || m.threadTs === m.ts);
    await until('the approval card', () => cards().length >= 1, 20_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await store.pendingRequests()).toHaveLength(1);
    expect(cards()).toHaveLength(1);
    await stopAll(f);
  }, 120_000);

  it('a replica SIGKILLed in the middle of a revoke: another replica finishes it', async () => {
    target = await startTarget();
    database = await freshPostgresDatabase(pg.url);
    // A 3-second lease (not the default minute) so the survivor takes the work over within seconds.
    const f = await fleet(database.location, 2, people(1), target, { ACCESSBOT_LEASE_SECONDS: '3' });
    const store = await openStore({ databaseUrl: database.location, migrate: false });
    stores.push(store);

    await fileRequests(f, 'deploy', 1);
    await until('the grant', async () => (await store.stats()).grantsByStatus.active === 1, 30_000);
    // The first revoke call hangs at the target: its caller is killed while waiting for the answer.
    target.answer.revoke = () => {};
    const revokeArrived = target.next('revoke');
    const [grantId] = await expireTogether(store, 500);
    await revokeArrived;
    const held = (await store.getGrant(grantId!))!;
    const holder = held.leaseOwner;
    // The replica took the lease for the configured 3 s (renewing it each second), not for a minute.
    expect(held.leaseUntil! - Date.now()).toBeLessThanOrEqual(3_000);
    const victim = f.replicas.find((r) => r.id === holder)!;
    expect(victim).toBeDefined();
    victim.serve.kill('SIGKILL');
    await victim.serve.exited;

    // Its lease runs out (3 s at most), then the survivor revokes again (idempotent at the target) and records it.
    await until('the survivor revokes', async () => (await store.getGrant(grantId!))?.status === 'revoked', 60_000);
    expect(eventsOf(target, 'revoke').length).toBeGreaterThanOrEqual(2);
    const survivor = f.replicas.find((r) => r !== victim)!;
    let recordedBy: string | null = null;
    for await (const row of store.auditRows()) if (row.action === 'grant.revoked') recordedBy = row.actor;
    expect(recordedBy).toBe('system');
    expect(await verifyAuditChain(store)).toMatchObject({ ok: true });
    survivor.serve.kill('SIGTERM');
    expect((await survivor.serve.exited).code).toBe(0);
  }, 170_000);
});

describe.skipIf(clusterSkip)('PostgreSQL restarted under the replicas', () => {
  it('revokes that fall due while the database is down resume when it is back: nothing lost, the chain verifies', async () => {
    target = await startTarget();
    cluster = await startScramCluster();
    const f = await fleet(cluster.url, 2, people(40), target);
    const store = await openStore({ databaseUrl: cluster.url, migrate: false });
    stores.push(store);

    await fileRequests(f, 'deploy', 4);
    await until('40 grants active', async () => (await store.stats()).grantsByStatus.active === 40, 60_000);
    const ids = await expireTogether(store, 1_500);
    await store.close();
    stores.pop();

    await cluster.restart(6_000); // down from before the first expiry until well after the last
    const after = await openStore({ databaseUrl: cluster.url, migrate: false });
    stores.push(after);
    await until('every grant revoked after the restart', async () => (await after.stats()).grantsByStatus.revoked === 40, 90_000).catch(async (error: unknown) => {
      console.log(JSON.stringify(await after.stats()));
      for (const r of f.replicas) console.log(r.id, r.serve.logs.filter((l) => (l.level ?? 0) >= 40).slice(-15).map((l) => `${l.time} ${l.msg} ${JSON.stringify(l.err ?? l.job ?? '')}`).join('\n'), r.serve.stderr().slice(-2000));
      throw error;
    });
    expect(new Set(eventsOf(target, 'revoke'))).toEqual(new Set(ids));
    expect(await verifyAuditChain(after)).toMatchObject({ ok: true });
    // Both replicas rode it out.
    expect(f.replicas.every((r) => running.has(r.serve))).toBe(true);
    await stopAll(f);
  }, 170_000);
});
