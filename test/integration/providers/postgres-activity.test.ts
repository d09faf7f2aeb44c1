/**
 * Session activity from a real PostgreSQL (issue 15): a private cluster with pg_stat_statements preloaded. The
 * holder logs in with the issued credentials and runs queries; a sample while active records the session, and
 * the revoke records the sessions and statements with call counts as `grant.activity` — before the login is
 * dropped — and the card's thread says what happened. Without the extension the audit says so, and what to do.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { sampleActiveGrants } from '../../../src/app/record-activity.ts';
import { loadRequestView } from '../../../src/app/request-view.ts';
import { readDetails } from '../../../src/audit/events.ts';
import { exportAudit } from '../../../src/audit/export.ts';
import { threadStep } from '../../../src/chat/messages/thread.ts';
import { plainText } from '../../../src/chat/rich-text.ts';
import { loadPolicyText } from '../../../src/config/load-policy.ts';
import { ManualClock } from '../../../src/domain/clock.ts';
import { openCredentials } from '../../../src/providers/credential-seal.ts';
import { builtinProviders, createProviders } from '../../../src/providers/registry.ts';
import { silentLogger } from '../../../src/logging.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { scramClusterSkipReason, startScramCluster, type ScramCluster } from '../../support/postgres.ts';

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

async function coreOn(cluster: ScramCluster): Promise<Harness> {
  const env = { ORDERS_DB_ADMIN_URL: cluster.url };
  const loaded = loadPolicyText(POLICY, { env, providers: builtinProviders });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const h = createHarness({ policy: loaded.policy, clock: new ManualClock(Date.now()) });
  h.ctx.providers = createProviders({ 'orders-db': { provider: 'postgres', settings: loaded.policy.resources['orders-db']!.settings } }, { log: silentLogger(), env });
  return h;
}

/** alice asks, bob approves; her login as a connected client with an application name. */
async function activeGrantFor(h: Harness, application: string) {
  const { view } = await requestAccess(h.ctx, { roleName: 'readonly', requester: { email: 'alice@example.com' }, durationMs: 30 * 60_000, reason: 'INC-1', origin: 'test' });
  await review(h.ctx, { requestId: view.id, reviewer: { email: 'bob@example.com' }, decision: 'approve' });
  await h.worker.idle();
  const grant = (await h.store.grantOfRequest(view.id))!;
  expect(grant.status).toBe('active');
  const creds = openCredentials(h.ctx.secretKey!, grant.credentials!, { grantId: grant.id, requestId: view.id, holder: { email: 'alice@example.com' } });
  const session = new pg.Client({ connectionString: creds.url, application_name: application });
  session.on('error', () => undefined);
  await session.connect();
  return { requestId: view.id, grant, session };
}

async function activityRows(h: Harness, grantId: string) {
  const rows = [];
  for await (const row of h.store.auditRows()) if (row.action === 'grant.activity' && row.grantId === grantId) rows.push({ seq: row.seq, ...readDetails('grant.activity', row.details) });
  return rows;
}

describe.skipIf(skipReason !== null)('session activity from PostgreSQL', () => {
  describe('with pg_stat_statements', () => {
    let cluster: ScramCluster;
    let h: Harness;

    beforeAll(async () => {
      cluster = await startScramCluster({ settings: { shared_preload_libraries: 'pg_stat_statements' } });
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      await admin.query(`CREATE EXTENSION pg_stat_statements`);
      await admin.query(`CREATE TABLE public.orders (id int PRIMARY KEY, item text); INSERT INTO public.orders VALUES (1, 'book'), (2, 'pen')`);
      await admin.end();
      h = await coreOn(cluster);
    });

    afterAll(async () => {
      for (const provider of h?.ctx.providers.values() ?? []) await provider.close?.();
      await h?.close();
      await cluster?.stop();
    });

    it('samples the session while active, then records sessions and statements with call counts at the revoke', async () => {
      const { requestId, grant, session } = await activeGrantFor(h, 'psql-incident');
      for (const id of [1, 2, 1]) await session.query('SELECT item FROM public.orders WHERE id = $1', [id]);
      await session.query('SELECT count(*) FROM public.orders');

      expect(await sampleActiveGrants(h.ctx)).toBe(1);
      expect(await sampleActiveGrants(h.ctx)).toBe(0); // same slot (and nothing new): no second row
      const during = await activityRows(h, grant.id);
      expect(during).toHaveLength(1);
      expect(during[0]).toMatchObject({ phase: 'during', source: 'postgres', sessions: 1 });
      expect(during[0]!.session_lines![0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ from 127\.0\.0\.1 \(psql-incident\) on postgres$/);

      await revokeAccess(h.ctx, { requestId, actor: { email: 'alice@example.com' }, reason: 'done' });
      await h.worker.idle();
      expect((await h.store.getGrant(grant.id))!.status).toBe('revoked');

      const rows = await activityRows(h, grant.id);
      expect(rows).toHaveLength(2);
      const final = rows[1]!;
      expect(final).toMatchObject({ phase: 'at revoke', source: 'postgres', sessions: 1, statements_unavailable: null });
      expect(final.statement_lines).toContain('3× SELECT item FROM public.orders WHERE id = $1');
      expect(final.statement_lines).toContain('1× SELECT count(*) FROM public.orders');
      expect(final.statements_run).toBeGreaterThanOrEqual(4);
      expect(final.summary).toMatch(/^ran \d+ statements \(\d+ distinct\) in 1 session$/);

      // The activity is recorded before the revoke itself (the login still existed when it was read).
      const all = [];
      for await (const row of h.store.auditRows()) if (row.grantId === grant.id) all.push(row.action);
      expect(all.indexOf('grant.activity', all.indexOf('grant.revoke_requested'))).toBeLessThan(all.indexOf('grant.revoked'));

      // The thread's last step says it, and `audit export` carries it.
      const view = (await loadRequestView(h.store, h.ctx.policy, requestId, Date.now()))!;
      expect(plainText(threadStep(view, 'revoked'))).toMatch(/Activity: ran \d+ statements \(\d+ distinct\) in 1 session\.$/);
      const exported: string[] = [];
      for await (const line of exportAudit(h.store, 'jsonl')) exported.push(line);
      const activity = exported.map((line) => JSON.parse(line) as { action: string; grant_id: string; details: { statement_lines?: string[] } }).filter((r) => r.action === 'grant.activity' && r.grant_id === grant.id);
      expect(activity.at(-1)!.details.statement_lines).toContain('3× SELECT item FROM public.orders WHERE id = $1');
      await session.end().catch(() => undefined);
    });
  });

  describe('without pg_stat_statements', () => {
    let cluster: ScramCluster;
    let h: Harness;

    beforeAll(async () => {
      cluster = await startScramCluster();
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      await admin.query(`CREATE TABLE public.orders (id int PRIMARY KEY); INSERT INTO public.orders VALUES (7)`);
      await admin.end();
      h = await coreOn(cluster);
    });

    afterAll(async () => {
      for (const provider of h?.ctx.providers.values() ?? []) await provider.close?.();
      await h?.close();
      await cluster?.stop();
    });

    it('still records the sessions, and the audit says the statements were not recorded and what the admin needs', async () => {
      const { requestId, grant, session } = await activeGrantFor(h, 'dbeaver');
      await session.query('SELECT id FROM public.orders');
      await revokeAccess(h.ctx, { requestId, actor: { email: 'alice@example.com' }, reason: 'done' });
      await h.worker.idle();
      const [final] = await activityRows(h, grant.id);
      expect(final).toMatchObject({ phase: 'at revoke', sessions: 1, statements_run: 0, statement_lines: [] });
      expect(final!.session_lines![0]).toContain('(dbeaver)');
      expect(final!.statements_unavailable).toMatch(/pg_stat_statements is not installed/);
      expect(final!.statements_unavailable).toContain('shared_preload_libraries');
      expect(final!.statements_unavailable).toContain('CREATE EXTENSION pg_stat_statements');
      expect(final!.statements_unavailable).toContain('pg_read_all_stats');
      expect(final!.summary).toBe('opened 1 session (statements not recorded)');
      await session.end().catch(() => undefined);
    });
  });
});
