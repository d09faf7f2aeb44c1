/**
 * Mode existing against a private cluster: people keep their own database users; a grant adds memberships
 * through a per-grant role, a revoke takes exactly those away again and ends the user's sessions.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresProvider, postgresResourceSchema } from '../../../src/providers/postgres/index.ts';
import type { Provider } from '../../../src/providers/types.ts';
import { scramClusterSkipReason, startScramCluster, type ScramCluster } from '../../support/postgres.ts';
import { grantTarget, testDeps } from './grant-target.ts';

const skipReason = scramClusterSkipReason();
const id = pg.escapeIdentifier;
const HOSTILE_USER = `bo"b'; DROP ROLE postgres; --ü`;

describe.skipIf(skipReason !== null)('postgres provider, mode existing (scram cluster)', () => {
  let cluster: ScramCluster;
  let admin: pg.Client;
  let provider: Provider;

  beforeAll(async () => {
    cluster = await startScramCluster();
    admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`CREATE TABLE public.orders (id int PRIMARY KEY); INSERT INTO public.orders VALUES (1)`);
    await admin.query(`CREATE ROLE alice_db LOGIN PASSWORD 'alice-pass'`);
    await admin.query(`CREATE ROLE ${id(HOSTILE_USER)} LOGIN PASSWORD 'bob-pass'`);
    await admin.query(`CREATE ROLE reporting NOLOGIN`);
    await admin.query(`CREATE ROLE root_db LOGIN SUPERUSER PASSWORD 'root-pass'`);
    const users = { 'Alice@Example.com': 'alice_db', 'bob@example.com': HOSTILE_USER, 'root@example.com': 'root_db', 'self@example.com': 'postgres' };
    provider = createPostgresProvider('orders-db', postgresResourceSchema.parse({ url: cluster.url, mode: 'existing', users }), testDeps());
  }, 60_000);

  afterAll(async () => {
    await provider?.close?.();
    await admin?.end();
    await cluster?.stop();
  });

  const aliceUrl = () => cluster.urlFor('alice_db', 'alice-pass');
  const bob = { email: 'bob@example.com', slackId: null, teamsId: null };
  async function connectAs(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined); // the server ends this session at revoke
    await client.connect();
    return client;
  }
  const canRead = async (url: string) => {
    const session = await connectAs(url);
    try {
      return await session.query('SELECT 1 FROM public.orders').then(() => true, () => false);
    } finally {
      await session.end().catch(() => undefined);
    }
  };
  const memberOf = async (user: string) =>
    (
      await admin.query<{ rolname: string }>(
        `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1`,
        [user],
      )
    ).rows.map((row) => row.rolname);

  it('adds the memberships, takes them away at revoke and cuts the open session; twice is fine', async () => {
    const target = grantTarget({ params: { roles: ['pg_read_all_data'] } });
    const session = await connectAs(aliceUrl());
    await expect(session.query('SELECT * FROM public.orders')).rejects.toMatchObject({ code: '42501' });
    const outcome = await provider.grant(target);
    expect(outcome.credentials).toBeUndefined();
    expect(outcome.detail).toMatchObject({ user: 'alice_db', via: `accessbot_${target.grantId}`, roles: ['pg_read_all_data'] });
    expect((await session.query('SELECT count(*)::int AS n FROM public.orders')).rows[0]).toEqual({ n: 1 });
    expect((await provider.verify!()).grantIds).toContain(target.grantId);

    const revoked = await provider.revoke(target);
    expect(revoked.detail).toMatchObject({ existed: true, members: ['alice_db'], sessions_terminated: 1, dropped: true });
    await expect(session.query('SELECT 1')).rejects.toThrow();
    await session.end().catch(() => undefined);
    expect(await canRead(aliceUrl())).toBe(false);
    expect(await memberOf('alice_db')).toEqual([]);
    expect((await provider.verify!()).grantIds).not.toContain(target.grantId);
    expect((await provider.revoke(target)).detail).toMatchObject({ existed: false });
  });

  it('never takes away a membership the user already had, or one another live grant gave', async () => {
    await admin.query('GRANT reporting TO alice_db');
    try {
      const first = grantTarget({ params: { roles: ['pg_read_all_data', 'reporting'] } });
      const second = grantTarget({ params: { roles: ['pg_read_all_data'] } });
      await provider.grant(first);
      await provider.grant(second);
      await provider.revoke(first);
      expect(await canRead(aliceUrl())).toBe(true); // still granted by `second`
      expect(await memberOf('alice_db')).toEqual(['reporting', `accessbot_${second.grantId}`].sort());
      await provider.revoke(second);
      expect(await canRead(aliceUrl())).toBe(false);
      expect(await memberOf('alice_db')).toEqual(['reporting']);
    } finally {
      await admin.query('REVOKE reporting FROM alice_db');
    }
  });

  it('quotes a hostile user name', async () => {
    const target = grantTarget({ requester: bob, params: { roles: ['pg_read_all_data'] } });
    await provider.grant(target);
    expect(await memberOf(HOSTILE_USER)).toEqual([`accessbot_${target.grantId}`]);
    expect(await canRead(cluster.urlFor(HOSTILE_USER, 'bob-pass'))).toBe(true);
    await provider.revoke(target);
    expect(await memberOf(HOSTILE_USER)).toEqual([]);
    expect((await admin.query(`SELECT 1 FROM pg_roles WHERE rolname = 'postgres'`)).rowCount).toBe(1);
  });

  it('revokes an orphan knowing only its grant id (no parameters, no requester), as reconciliation does', async () => {
    const target = grantTarget({ params: { roles: ['pg_read_all_data'] } });
    await provider.grant(target);
    const orphan = grantTarget({ grantId: target.grantId, requester: { email: null, slackId: null, teamsId: null }, params: {} });
    expect((await provider.revoke(orphan)).detail).toMatchObject({ existed: true, dropped: true });
    expect(await canRead(aliceUrl())).toBe(false);
  });

  it('refuses unknown people, missing users, superusers and the admin itself, before changing anything', async () => {
    const as = (email: string) => grantTarget({ requester: { email, slackId: null, teamsId: null }, params: { roles: ['pg_read_all_data'] } });
    await expect(provider.grant(as('mallory@example.com'))).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('no database user is mapped') });
    await expect(provider.grant(as('root@example.com'))).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('superuser') });
    await expect(provider.grant(as('self@example.com'))).rejects.toMatchObject({ retryable: false, message: expect.stringContaining("accessbot's own admin") });
    const gone = createPostgresProvider('orders-db', postgresResourceSchema.parse({ url: cluster.url, mode: 'existing', users: { 'alice@example.com': 'no_such_user' } }), testDeps());
    try {
      await expect(gone.grant(as('alice@example.com'))).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('"no_such_user" does not exist') });
    } finally {
      await gone.close?.();
    }
    expect((await provider.verify!()).grantIds).toEqual([]);
  });
});
