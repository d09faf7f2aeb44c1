/**
 * End to end through the core: a policy with a postgres resource, a request approved by a real reviewer,
 * the sealed credentials opened as the Slack "Show credentials" button would, a real login, then a revoke.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRow } from '../../../db/store/port.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { loadPolicyText } from '../../../src/config/load-policy.ts';
import { ManualClock } from '../../../src/domain/clock.ts';
import { openCredentials } from '../../../src/providers/credential-seal.ts';
import { builtinProviders, createProviders } from '../../../src/providers/registry.ts';
import { silentLogger } from '../../../src/logging.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { scramClusterSkipReason, startScramCluster, tryLogin, type ScramCluster } from '../../support/postgres.ts';

const skipReason = scramClusterSkipReason();

const POLICY = `
version: 1
resources:
  orders-db: { provider: postgres, url: env:ORDERS_DB_ADMIN_URL }
roles:
  readonly:
    resource: orders-db
    grant: { roles: [pg_read_all_data] }
    requesters: [alice@example.com]
    approvers: [bob@example.com]
    max_duration: 1h
`;

describe.skipIf(skipReason !== null)('postgres access through the core', () => {
  let cluster: ScramCluster;
  let h: Harness;

  beforeAll(async () => {
    cluster = await startScramCluster();
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`CREATE TABLE public.orders (id int PRIMARY KEY); INSERT INTO public.orders VALUES (7)`);
    await admin.end();
    const env = { ORDERS_DB_ADMIN_URL: cluster.url };
    const loaded = loadPolicyText(POLICY, { env, providers: builtinProviders });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    h = createHarness({ policy: loaded.policy, clock: new ManualClock(Date.now()) });
    const providers = createProviders({ 'orders-db': { provider: 'postgres', settings: loaded.policy.resources['orders-db']!.settings } }, { log: silentLogger(), env });
    h.ctx.providers = providers;
  });

  afterAll(async () => {
    for (const provider of h?.ctx.providers.values() ?? []) await provider.close?.();
    await h?.close();
    await cluster?.stop();
  });

  it('approve → a real login that can read; revoke → the login is gone; nothing secret in the audit log', async () => {
    const { view } = await requestAccess(h.ctx, { roleName: 'readonly', requester: { email: 'alice@example.com' }, durationMs: 30 * 60_000, reason: 'INC-1', origin: 'test' });
    await review(h.ctx, { requestId: view.id, reviewer: { email: 'bob@example.com' }, decision: 'approve' });
    await h.worker.idle();
    const grant = (await h.store.grantOfRequest(view.id))!;
    expect(grant.status).toBe('active');
    const creds = openCredentials(h.ctx.secretKey!, grant.credentials!, { grantId: grant.id, requestId: view.id, holder: { email: 'alice@example.com' } });
    expect(creds.user).toBe(`accessbot_${grant.id}`);

    const session = new pg.Client({ connectionString: creds.url });
    session.on('error', () => undefined);
    await session.connect();
    expect((await session.query('SELECT id FROM public.orders')).rows).toEqual([{ id: 7 }]);

    await revokeAccess(h.ctx, { requestId: view.id, actor: { email: 'alice@example.com' }, reason: 'done' });
    await h.worker.idle();
    expect(await h.store.getGrant(grant.id)).toMatchObject({ status: 'revoked', credentials: null });
    await expect(session.query('SELECT 1')).rejects.toThrow();
    expect(await tryLogin(creds.url!)).not.toBeNull();

    const rows: AuditRow[] = [];
    for await (const row of h.store.auditRows()) rows.push(row);
    expect(rows.length).toBeGreaterThan(0);
    const audit = JSON.stringify(rows);
    expect(audit).not.toContain(creds.password);
    expect(audit).not.toContain(cluster.superuserPassword);
  });
});
