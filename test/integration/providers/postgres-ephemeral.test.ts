/**
 * The PostgreSQL provider against a private scram-sha-256 cluster, so passwords are really checked:
 * credentials work during the grant, fail after revoke or expiry, and open sessions are cut at revoke.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresProvider, postgresResourceSchema } from '../../../src/providers/postgres/index.ts';
import { ProviderError, type Provider } from '../../../src/providers/types.ts';
import { scramClusterSkipReason, startScramCluster, tryLogin, type ScramCluster } from '../../support/postgres.ts';
import { grantTarget, testDeps } from './grant-target.ts';

const skipReason = scramClusterSkipReason();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skipReason !== null)('postgres provider, ephemeral logins (scram cluster)', () => {
  let cluster: ScramCluster;
  let admin: pg.Client;
  let provider: Provider;

  beforeAll(async () => {
    cluster = await startScramCluster();
    admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`CREATE TABLE public.orders (id int PRIMARY KEY, item text)`);
    await admin.query(`INSERT INTO public.orders VALUES (1, 'book')`);
    await admin.query(`CREATE TABLE public.secrets (id int)`);
    provider = createPostgresProvider('orders-db', postgresResourceSchema.parse({ url: cluster.url }), testDeps());
  });

  afterAll(async () => {
    await provider?.close?.();
    await admin?.end();
    await cluster?.stop();
  });

  async function ephemeralRoles(): Promise<string[]> {
    const result = await admin.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'accessbot\\_%'`);
    return result.rows.map((row) => row.rolname);
  }

  async function connectAs(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined); // the server ends this session at revoke
    await client.connect();
    return client;
  }

  it('issues credentials that log in with the password (and only with it), with the read-only role', async () => {
    const target = grantTarget({ params: { roles: ['pg_read_all_data'] } });
    const outcome = await provider.grant(target);
    const creds = outcome.credentials!;
    expect(creds).toMatchObject({
      host: '127.0.0.1',
      port: String(cluster.port),
      database: 'postgres',
      user: `accessbot_${target.grantId}`,
      expires_at: target.expiresAt.toISOString(),
    });
    expect(creds.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(JSON.stringify(outcome.detail)).not.toContain(creds.password);

    expect(await tryLogin(creds.url!)).toBeNull();
    expect(await tryLogin(cluster.urlFor(creds.user!, 'wrong-password'))).toMatch(/^28P01/);

    const session = await connectAs(creds.url!);
    try {
      const rows = await session.query('SELECT item FROM public.orders');
      expect(rows.rows).toEqual([{ item: 'book' }]);
      await expect(session.query(`INSERT INTO public.orders VALUES (2, 'pen')`)).rejects.toMatchObject({ code: '42501' });
      const settings = await admin.query<{ rolconnlimit: number; rolsuper: boolean; rolcreaterole: boolean }>(
        'SELECT rolconnlimit, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = $1',
        [creds.user],
      );
      expect(settings.rows[0]).toEqual({ rolconnlimit: 2, rolsuper: false, rolcreaterole: false });
    } finally {
      await session.end().catch(() => undefined);
      await provider.revoke(target);
    }
  });

  it('grants direct privileges on one table and nothing else', async () => {
    const target = grantTarget({ params: { privileges: [{ privilege: 'SELECT', on: 'public.orders' }] } });
    const creds = (await provider.grant(target)).credentials!;
    const session = await connectAs(creds.url!);
    try {
      expect((await session.query('SELECT count(*)::int AS n FROM public.orders')).rows[0]).toEqual({ n: 1 });
      await expect(session.query('SELECT * FROM public.secrets')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await session.end().catch(() => undefined);
    }
    const revoked = await provider.revoke(target);
    expect(revoked.detail).toMatchObject({ existed: true, dropped: true });
    const privileges = await admin.query(`SELECT 1 FROM information_schema.role_table_grants WHERE grantee = $1`, [creds.user]);
    expect(privileges.rowCount).toBe(0);
  });

  it('revoke refuses new logins, terminates an open session and leaves no accessbot_ role', async () => {
    const target = grantTarget({ params: { roles: ['pg_read_all_data'] } });
    const creds = (await provider.grant(target)).credentials!;
    const session = await connectAs(creds.url!);
    await session.query('SELECT 1');

    const revoked = await provider.revoke(target);
    expect(revoked.detail).toMatchObject({ user: creds.user, existed: true, sessions_terminated: 1, dropped: true });

    await expect(session.query('SELECT 1')).rejects.toThrow();
    await session.end().catch(() => undefined);
    expect(await tryLogin(creds.url!)).toMatch(/^28P01/);
    expect(await ephemeralRoles()).toEqual([]);
    const activity = await admin.query('SELECT 1 FROM pg_stat_activity WHERE usename = $1', [creds.user]);
    expect(activity.rowCount).toBe(0);
  });

  it('the target enforces the expiry by itself (VALID UNTIL), without the bot', async () => {
    const target = grantTarget({ params: { roles: ['pg_read_all_data'] }, expiresAt: new Date(Date.now() + 2000) });
    const creds = (await provider.grant(target)).credentials!;
    expect(await tryLogin(creds.url!)).toBeNull();
    await sleep(target.expiresAt.getTime() - Date.now() + 700);
    expect(await tryLogin(creds.url!)).toMatch(/^28P01/);
    await provider.revoke(target);
  });

  it('extend moves VALID UNTIL and keeps the password', async () => {
    const target = grantTarget({ params: { roles: ['pg_read_all_data'] }, expiresAt: new Date(Date.now() + 1500) });
    const creds = (await provider.grant(target)).credentials!;
    const extended = await provider.extend!({ ...target, expiresAt: new Date(Date.now() + 3_600_000) });
    expect(extended.credentials).toBeUndefined();
    await sleep(target.expiresAt.getTime() - Date.now() + 700);
    expect(await tryLogin(creds.url!)).toBeNull();
    await provider.revoke(target);
    await expect(provider.extend!(target)).rejects.toMatchObject({ retryable: false });
  });

  it('a repeated grant returns fresh credentials and the old password stops working', async () => {
    const target = grantTarget({ params: { roles: ['pg_read_all_data'] } });
    const first = (await provider.grant(target)).credentials!;
    const second = await provider.grant(target);
    expect(second.detail).toMatchObject({ created: false });
    expect(second.credentials!.password).not.toBe(first.password);
    expect(await tryLogin(second.credentials!.url!)).toBeNull();
    expect(await tryLogin(first.url!)).toMatch(/^28P01/);
    await provider.revoke(target);
  });

  it('what a login created is kept by a powerless owner at revoke, never by the admin (no view or function running as the admin)', async () => {
    await admin.query(`CREATE ROLE mallory LOGIN PASSWORD 'mallory-pass'`);
    const target = grantTarget({ params: { privileges: [{ privilege: 'USAGE', on: 'public' }, { privilege: 'CREATE', on: 'public' }] } });
    const creds = (await provider.grant(target)).credentials!;
    const session = await connectAs(creds.url!);
    await session.query('CREATE VIEW public.peek AS SELECT * FROM public.secrets');
    await session.query(`CREATE FUNCTION public.whoami() RETURNS text LANGUAGE sql SECURITY DEFINER AS 'SELECT current_user::text'`);
    await session.query('GRANT SELECT ON public.peek TO PUBLIC');
    await session.end();
    expect((await provider.revoke(target)).detail).toMatchObject({ dropped: true });

    const owners = await admin.query(
      `SELECT (SELECT viewowner FROM pg_views WHERE viewname = 'peek') AS view_owner, (SELECT proowner::regrole::text FROM pg_proc WHERE proname = 'whoami') AS function_owner`,
    );
    expect(owners.rows[0]).toEqual({ view_owner: 'accessbot-leftovers', function_owner: '"accessbot-leftovers"' });
    const mallory = await connectAs(cluster.urlFor('mallory', 'mallory-pass'));
    try {
      await expect(mallory.query('SELECT * FROM public.peek')).rejects.toMatchObject({ code: '42501' });
      expect((await mallory.query('SELECT public.whoami() AS who')).rows[0]).toEqual({ who: 'accessbot-leftovers' });
    } finally {
      await mallory.end();
      await admin.query('DROP VIEW public.peek; DROP FUNCTION public.whoami()');
    }
  });

  it('errors never carry the admin password; bad login is final, connection refused is retryable', async () => {
    const badUrl = cluster.urlFor('postgres', 'not-the-password-xyz');
    const bad = createPostgresProvider('orders-db', postgresResourceSchema.parse({ url: badUrl }), testDeps());
    const target = grantTarget({ params: { roles: ['pg_read_all_data'] } });
    const error = await bad.grant(target).catch((e: unknown) => e);
    await bad.close?.();
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: false, detail: { code: '28P01' } });
    expect((error as Error).message).not.toContain('not-the-password-xyz');

    const down = createPostgresProvider(
      'orders-db',
      postgresResourceSchema.parse({ url: 'postgres://postgres:s3cret-admin@127.0.0.1:1/postgres' }),
      testDeps(),
    );
    const refused = await down.grant(target).catch((e: unknown) => e);
    await down.close?.();
    expect(refused).toMatchObject({ retryable: true });
    expect((refused as Error).message).not.toContain('s3cret-admin');
  });
});
