/**
 * The PostgreSQL provider run by the admin the README asks for — CREATEROLE and pg_signal_backend, not a
 * superuser — on a private cluster: grants and revokes work in both modes, including a login that created
 * objects of its own, and without pg_signal_backend a revoke says exactly what is missing.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresProvider, postgresResourceSchema } from '../../../src/providers/postgres/index.ts';
import { ProviderError, type Provider } from '../../../src/providers/types.ts';
import { scramClusterSkipReason, startScramCluster, tryLogin, type ScramCluster } from '../../support/postgres.ts';
import { grantTarget, testDeps } from './grant-target.ts';

const skipReason = scramClusterSkipReason();

describe.skipIf(skipReason !== null)('postgres provider with a non-superuser admin (scram cluster)', () => {
  let cluster: ScramCluster;
  let root: pg.Client;
  const providers: Provider[] = [];

  beforeAll(async () => {
    cluster = await startScramCluster();
    root = new pg.Client({ connectionString: cluster.url });
    await root.connect();
    await root.query(`CREATE ROLE bot_admin LOGIN CREATEROLE PASSWORD 'bot-admin-pw'`);
    await root.query(`CREATE ROLE weak_admin LOGIN CREATEROLE PASSWORD 'weak-admin-pw'`);
    await root.query(`GRANT pg_signal_backend TO bot_admin`);
    await root.query(`CREATE TABLE public.orders (id int); INSERT INTO public.orders VALUES (1)`);
    await root.query(`GRANT SELECT ON public.orders TO bot_admin WITH GRANT OPTION`);
    await root.query(`GRANT USAGE, CREATE ON SCHEMA public TO bot_admin WITH GRANT OPTION`);
    await root.query(`CREATE ROLE carol_db LOGIN PASSWORD 'carol-pass'`);
  }, 60_000);

  afterAll(async () => {
    for (const provider of providers) await provider.close?.();
    await root?.end();
    await cluster?.stop();
  });

  function providerAs(user: string, password: string, extra: Record<string, unknown> = {}): Provider {
    const provider = createPostgresProvider('orders-db', postgresResourceSchema.parse({ url: cluster.urlFor(user, password), ...extra }), testDeps());
    providers.push(provider);
    return provider;
  }
  async function connectAs(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }
  const accessbotRoles = async () => (await root.query(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'accessbot\\_%'`)).rows;

  it('ephemeral: grant, a session that creates its own table, revoke: the table is kept by a powerless owner and the login is gone', async () => {
    const provider = providerAs('bot_admin', 'bot-admin-pw');
    const target = grantTarget({
      params: { roles: ['pg_read_all_data'], privileges: [{ privilege: 'SELECT', on: 'public.orders' }, { privilege: 'CREATE', on: 'public' }] },
    });
    const creds = (await provider.grant(target)).credentials!;
    const session = await connectAs(creds.url!);
    expect((await session.query('SELECT count(*)::int AS n FROM public.orders')).rows[0]).toEqual({ n: 1 });
    await session.query('CREATE TABLE public.scratch (id int)');

    const revoked = await provider.revoke(target);
    expect(revoked.detail).toMatchObject({ existed: true, sessions_terminated: 1, dropped: true });
    await expect(session.query('SELECT 1')).rejects.toThrow();
    await session.end().catch(() => undefined);
    expect(await tryLogin(creds.url!)).toMatch(/^28P01/);
    expect(await accessbotRoles()).toEqual([]);
    const owner = await root.query(`SELECT tableowner FROM pg_tables WHERE tablename = 'scratch'`);
    expect(owner.rows).toEqual([{ tableowner: 'accessbot-leftovers' }]);
    expect((await provider.revoke(target)).detail).toMatchObject({ existed: false });
    // bot_admin took the grant role's membership only inside the drop; it keeps the leftovers owner's.
    const kept = await root.query(`SELECT roleid::regrole::text AS role FROM pg_auth_members WHERE member = 'bot_admin'::regrole ORDER BY 1`);
    expect(kept.rows.map((row) => row.role)).toEqual(['"accessbot-leftovers"', 'pg_signal_backend']);
  });

  it('existing: grant and revoke a membership for a mapped user', async () => {
    const provider = providerAs('bot_admin', 'bot-admin-pw', { mode: 'existing', users: { 'carol@example.com': 'carol_db' } });
    const target = grantTarget({ requester: { email: 'carol@example.com', slackId: null, teamsId: null }, params: { roles: ['pg_read_all_data'] } });
    await provider.grant(target);
    const session = await connectAs(cluster.urlFor('carol_db', 'carol-pass'));
    expect((await session.query('SELECT count(*)::int AS n FROM public.orders')).rows[0]).toEqual({ n: 1 });
    expect((await provider.revoke(target)).detail).toMatchObject({ existed: true, members: ['carol_db'], sessions_terminated: 1, dropped: true });
    await expect(session.query('SELECT 1')).rejects.toThrow();
    await session.end().catch(() => undefined);
    expect(await accessbotRoles()).toEqual([]);
  });

  it('without pg_signal_backend: the login is cut, the error names what is missing, and a later retry finishes', async () => {
    const provider = providerAs('weak_admin', 'weak-admin-pw');
    const target = grantTarget({ params: { roles: ['pg_read_all_data'] } });
    const creds = (await provider.grant(target)).credentials!;
    const session = await connectAs(creds.url!);

    const error = await provider.revoke(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain('needs membership in pg_signal_backend');
    expect((error as Error).message).not.toContain('weak-admin-pw');
    expect(await tryLogin(creds.url!)).toMatch(/^28P01/); // access was cut before the sessions step
    await expect(session.query('SELECT * FROM public.orders')).rejects.toMatchObject({ code: '42501' });

    await root.query('GRANT pg_signal_backend TO weak_admin');
    expect((await provider.revoke(target)).detail).toMatchObject({ existed: true, sessions_terminated: 1, dropped: true });
    await session.end().catch(() => undefined);
    expect(await accessbotRoles()).toEqual([]);
  });
});
