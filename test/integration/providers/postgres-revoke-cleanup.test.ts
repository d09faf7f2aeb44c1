/**
 * A holder cannot make their own revoke fail forever (private cluster, non-superuser admin as the README asks):
 * - a function in a schema where the leftovers owner has no CREATE (REASSIGN OWNED refuses it): the leftovers
 *   owner gets CREATE there for the handover only, and the audit detail lists what was reassigned;
 * - where the admin cannot grant that CREATE, such routines are dropped and the rest handed over;
 * - where nothing can finish the cleanup (another role's view depends on the holder's function; objects in
 *   another database), access is cut, the role is left powerless and marked, and the revoke reports
 *   "cleanup pending" instead of failing; verify no longer counts it; a later revoke finishes it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresProvider, postgresResourceSchema } from '../../../src/providers/postgres/index.ts';
import type { Provider } from '../../../src/providers/types.ts';
import { scramClusterSkipReason, startScramCluster, tryLogin, type ScramCluster } from '../../support/postgres.ts';
import { grantTarget, testDeps } from './grant-target.ts';

const skipReason = scramClusterSkipReason();

describe.skipIf(skipReason !== null)('postgres revoke cleanup a holder cannot block (scram cluster)', () => {
  let cluster: ScramCluster;
  let root: pg.Client;
  let provider: Provider;
  const deps = testDeps();

  beforeAll(async () => {
    cluster = await startScramCluster();
    root = new pg.Client({ connectionString: cluster.url });
    await root.connect();
    await root.query(`CREATE ROLE bot_admin LOGIN CREATEROLE PASSWORD 'bot-admin-pw'`);
    await root.query(`GRANT pg_signal_backend TO bot_admin`);
    await root.query(`CREATE TABLE public.orders (id int); INSERT INTO public.orders VALUES (1)`);
    await root.query(`GRANT SELECT ON public.orders TO bot_admin WITH GRANT OPTION`);
    // app: the admin may grant CREATE there. locked: it may not; a role gives CREATE there.
    await root.query(`CREATE SCHEMA app`);
    await root.query(`GRANT USAGE, CREATE ON SCHEMA app TO bot_admin WITH GRANT OPTION`);
    await root.query(`CREATE SCHEMA locked`);
    await root.query(`GRANT USAGE ON SCHEMA locked TO PUBLIC`);
    await root.query(`CREATE ROLE locked_rw NOLOGIN`);
    await root.query(`GRANT USAGE, CREATE ON SCHEMA locked TO locked_rw`);
    await root.query(`CREATE ROLE carol_db LOGIN PASSWORD 'carol-pass'`);
    await root.query(`CREATE DATABASE other`);
    const other = new pg.Client({ connectionString: cluster.urlFor('postgres', cluster.superuserPassword, 'other') });
    await other.connect();
    await other.query('GRANT CREATE ON SCHEMA public TO PUBLIC');
    await other.end();
    provider = createPostgresProvider('orders-db', postgresResourceSchema.parse({ url: cluster.urlFor('bot_admin', 'bot-admin-pw') }), deps);
  }, 60_000);

  afterAll(async () => {
    await provider?.close?.();
    await root?.end();
    await cluster?.stop();
  });

  async function connectAs(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined); // the server ends this session at revoke
    await client.connect();
    return client;
  }
  const roleExists = async (role: string) => ((await root.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount ?? 0) > 0;
  const ownerOf = async (object: string) => (await root.query<{ owner: string }>(`SELECT pg_get_userbyid(proowner) AS owner FROM pg_proc WHERE oid = to_regprocedure($1)`, [object])).rows[0]?.owner;
  const tableOwner = async (table: string) => (await root.query<{ owner: string }>(`SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = $1::regclass`, [table])).rows[0]?.owner;

  it('a function where the leftovers owner may not create: handed over all the same, and the detail says what was reassigned', async () => {
    const target = grantTarget({
      params: { privileges: [{ privilege: 'USAGE', on: 'app' }, { privilege: 'CREATE', on: 'app' }, { privilege: 'SELECT', on: 'public.orders' }] },
    });
    const creds = (await provider.grant(target)).credentials!;
    const session = await connectAs(creds.url!);
    await session.query('CREATE TABLE app.scratch (id int)');
    await session.query(`CREATE FUNCTION app.peek() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM public.orders'`);

    // Before: REASSIGN OWNED failed here ("permission denied for schema app") on every attempt, for ever.
    const revoked = await provider.revoke(target);
    expect(revoked.detail).toMatchObject({
      existed: true,
      dropped: true,
      sessions_terminated: 1,
      reassigned: ['function app.peek()', 'table app.scratch'],
      reassigned_to: 'accessbot-leftovers',
      create_granted_for_handover: ['app'],
    });
    expect(revoked.detail).not.toHaveProperty('cleanup_pending');
    await session.end().catch(() => undefined);
    expect(await tryLogin(creds.url!)).toMatch(/^28P01/);
    expect(await roleExists(creds.user!)).toBe(false);
    expect(await ownerOf('app.peek()')).toBe('accessbot-leftovers');
    expect(await tableOwner('app.scratch')).toBe('accessbot-leftovers');
    // The CREATE was for the handover only, and the function now runs with the leftovers owner's (no) rights.
    const left = await root.query(`SELECT has_schema_privilege('accessbot-leftovers', 'app', 'CREATE') AS create`);
    expect(left.rows[0]).toEqual({ create: false });
    const carol = await connectAs(cluster.urlFor('carol_db', 'carol-pass'));
    try {
      await root.query('GRANT USAGE ON SCHEMA app TO carol_db');
      await expect(carol.query('SELECT app.peek()')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await carol.end();
    }
  });

  it('where the admin cannot grant that CREATE: such routines are dropped, the rest handed over', async () => {
    const target = grantTarget({ params: { roles: ['locked_rw'] } });
    const creds = (await provider.grant(target)).credentials!;
    const session = await connectAs(creds.url!);
    await session.query('CREATE TABLE locked.notes (id int)');
    await session.query(`CREATE FUNCTION locked.g(int) RETURNS int LANGUAGE sql AS 'SELECT $1'`);
    await session.end();

    const revoked = await provider.revoke(target);
    expect(revoked.detail).toMatchObject({ dropped: true, reassigned: ['table locked.notes'], dropped_objects: ['function locked.g(integer)'] });
    expect(await roleExists(creds.user!)).toBe(false);
    expect(await tableOwner('locked.notes')).toBe('accessbot-leftovers');
    expect((await root.query(`SELECT to_regprocedure('locked.g(integer)') AS f`)).rows[0].f).toBeNull();
    await root.query('DROP TABLE locked.notes');
  });

  it('when nothing can finish it: access cut, role left powerless and marked, "cleanup pending" reported instead of a failing revoke; a later revoke finishes', async () => {
    const target = grantTarget({ params: { roles: ['locked_rw'], privileges: [{ privilege: 'SELECT', on: 'public.orders' }] } });
    const creds = (await provider.grant(target)).credentials!;
    const user = creds.user!;
    const session = await connectAs(creds.url!);
    await session.query(`CREATE FUNCTION locked.kept() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
    await session.query('CREATE VIEW locked.peek AS SELECT id FROM public.orders');
    await session.query('GRANT SELECT ON locked.peek TO PUBLIC');
    await session.end();
    // Another role builds on the holder's function (so it cannot be dropped), and a login is made its member.
    await root.query('CREATE VIEW public.uses_kept AS SELECT locked.kept() AS one');
    await root.query(`GRANT ${pg.escapeIdentifier(user)} TO carol_db`);

    const revoked = await provider.revoke(target);
    expect(revoked.detail).toMatchObject({
      existed: true,
      dropped: false,
      access_cut: true,
      members_revoked: ['carol_db'],
      cleanup_pending: expect.arrayContaining(['function locked.kept()', 'view locked.peek']),
      cleanup_error: expect.stringContaining('depend'),
    });
    expect(await tryLogin(creds.url!)).toMatch(/^28P01/);
    const state = await root.query(
      `SELECT r.rolcanlogin AS login,
          (SELECT count(*)::int FROM pg_auth_members m WHERE m.member = r.oid) AS memberships,
          (SELECT count(*)::int FROM pg_auth_members m WHERE m.roleid = r.oid AND m.member <> 'bot_admin'::regrole) AS members,
          has_table_privilege(r.oid, 'public.orders', 'SELECT') AS reads_orders,
          shobj_description(r.oid, 'pg_authid') AS comment
        FROM pg_roles r WHERE r.rolname = $1`,
      [user],
    );
    expect(state.rows[0]).toMatchObject({ login: false, memberships: 0, members: 0, reads_orders: false, comment: expect.stringMatching(/^accessbot: cleanup pending: access cut/) });
    // What the holder left behind runs with no rights the grant gave: the view shared with PUBLIC reads nothing.
    const carol = await connectAs(cluster.urlFor('carol_db', 'carol-pass'));
    try {
      await expect(carol.query('SELECT * FROM locked.peek')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await carol.end();
    }
    expect(deps.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'postgres access cut, cleanup pending' }));
    // Not access held any more (no orphan alert every hour), and revoking again is calm.
    expect((await provider.verify!()).grantIds).not.toContain(target.grantId);
    expect((await provider.revoke(target)).detail).toMatchObject({ existed: true, dropped: false, access_cut: true });

    await root.query('DROP VIEW public.uses_kept');
    const finished = await provider.revoke(target);
    expect(finished.detail).toMatchObject({ existed: true, dropped: true });
    expect(finished.detail).toHaveProperty('dropped_objects');
    expect(await roleExists(user)).toBe(false);
  });

  it('objects in another database: access cut, cleanup pending names the database, verify stops counting it', async () => {
    const target = grantTarget({ params: { roles: ['pg_read_all_data'] } });
    const creds = (await provider.grant(target)).credentials!;
    const elsewhere = await connectAs(cluster.urlFor(creds.user!, creds.password!, 'other'));
    await elsewhere.query('CREATE TABLE mine (id int)');
    await elsewhere.end();

    const revoked = await provider.revoke(target);
    expect(revoked.detail).toMatchObject({ dropped: false, access_cut: true, cleanup_pending: ['1 object or privileges in database other'] });
    expect(await tryLogin(creds.url!)).toMatch(/^28P01/);
    expect((await provider.verify!()).grantIds).not.toContain(target.grantId);

    const other = new pg.Client({ connectionString: cluster.urlFor('postgres', cluster.superuserPassword, 'other') });
    await other.connect();
    await other.query('DROP TABLE mine');
    await other.end();
    expect((await provider.revoke(target)).detail).toMatchObject({ dropped: true });
    expect(await roleExists(creds.user!)).toBe(false);
  });
});
