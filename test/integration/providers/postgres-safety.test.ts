/**
 * The PostgreSQL provider against the shared test server: hostile names cannot inject SQL, grants and
 * revokes are idempotent and atomic, and verify lists what exists at the target.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresProvider, postgresGrantSchema, postgresResourceSchema } from '../../../src/providers/postgres/index.ts';
import { ProviderError, type Provider } from '../../../src/providers/types.ts';
import { detectPostgres } from '../../support/postgres.ts';
import { grantTarget, testDeps } from './grant-target.ts';

const server = await detectPostgres();
const run = randomBytes(3).toString('hex');
const id = pg.escapeIdentifier;

const HOSTILE_ROLES = [`we"ird ${run}`, `x${run}'; DROP ROLE postgres; --`, `ünï-cødé 🚀 ${run}`, `a;b--c/*${run}`];
const HOSTILE_SCHEMA = `s"'; --${run}`;
const HOSTILE_TABLE = `t"; DROP TABLE canary_${run}; --`;

describe.skipIf(!server.available)('postgres provider: injection, idempotency, verify (shared server)', () => {
  let admin: pg.Client;
  let provider: Provider;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    for (const role of HOSTILE_ROLES) await admin.query(`CREATE ROLE ${id(role)} NOLOGIN`);
    await admin.query(`CREATE TABLE ${id(`canary_${run}`)} (id int)`);
    await admin.query(`CREATE SCHEMA ${id(HOSTILE_SCHEMA)}`);
    await admin.query(`CREATE TABLE ${id(HOSTILE_SCHEMA)}.${id(HOSTILE_TABLE)} (id int)`);
    provider = createPostgresProvider('orders-db', postgresResourceSchema.parse({ url: server.url }), testDeps());
  });

  afterAll(async () => {
    await provider?.close?.();
    if (!admin) return;
    await admin.query(`DROP SCHEMA IF EXISTS ${id(HOSTILE_SCHEMA)} CASCADE`);
    await admin.query(`DROP TABLE IF EXISTS ${id(`canary_${run}`)}`);
    for (const role of HOSTILE_ROLES) await admin.query(`DROP ROLE IF EXISTS ${id(role)}`);
    await admin.end();
  });

  const roleCount = async () => Number((await admin.query('SELECT count(*) AS n FROM pg_roles')).rows[0].n);
  const roleExists = async (name: string) => ((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount ?? 0) > 0;
  const memberships = async (name: string) =>
    (
      await admin.query<{ rolname: string }>(
        `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
          WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
        [name],
      )
    ).rows
      .map((row) => row.rolname)
      .sort();

  it('quotes hostile role, schema and table names: exactly the named grants happen, nothing else', async () => {
    const before = await roleCount();
    const target = grantTarget({
      params: { roles: HOSTILE_ROLES, privileges: [{ privilege: 'SELECT', on: `${HOSTILE_SCHEMA}.${HOSTILE_TABLE}` }, { privilege: 'USAGE', on: HOSTILE_SCHEMA }] },
    });
    const user = `accessbot_${target.grantId}`;
    await provider.grant(target);

    expect(await roleCount()).toBe(before + 1);
    expect(await memberships(user)).toEqual([...HOSTILE_ROLES].sort());
    expect(await roleExists('postgres')).toBe(true);
    expect((await admin.query('SELECT to_regclass($1) AS t', [id(`canary_${run}`)])).rows[0].t).not.toBeNull();
    const canSelect = await admin.query(`SELECT has_table_privilege($1, $2, 'SELECT') AS ok`, [user, `${id(HOSTILE_SCHEMA)}.${id(HOSTILE_TABLE)}`]);
    expect(canSelect.rows[0].ok).toBe(true);

    await provider.revoke(target);
    expect(await roleCount()).toBe(before);
    for (const role of HOSTILE_ROLES) expect(await roleExists(role)).toBe(true);
  });

  it('rejects names PostgreSQL would cut (> 63 bytes) or cannot hold, before touching the server', async () => {
    const tooLong = 'é'.repeat(32); // 64 bytes
    expect(postgresGrantSchema.safeParse({ roles: [tooLong] }).success).toBe(false);
    expect(postgresGrantSchema.safeParse({ roles: ['nul\0byte'] }).success).toBe(false);
    expect(postgresGrantSchema.safeParse({ privileges: [{ privilege: 'SELECT', on: `public.${'x'.repeat(64)}` }] }).success).toBe(false);
    expect(postgresGrantSchema.safeParse({ privileges: [{ privilege: 'SELECT; DROP', on: 'public.t' }] }).success).toBe(false);

    const target = grantTarget({ params: { roles: [tooLong] } });
    await expect(provider.grant(target)).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('63 bytes') });
    expect(await roleExists(`accessbot_${target.grantId}`)).toBe(false);
  });

  it('refuses a grant id that would not make a plain role name', async () => {
    for (const grantId of [`abc"; DROP ROLE postgres; --`, 'UPPER', 'a'.repeat(41), '']) {
      const error = await provider.grant(grantTarget({ grantId, params: { roles: ['pg_read_all_data'] } })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ retryable: false });
    }
  });

  it('is atomic: a grant that fails half-way leaves no login behind', async () => {
    const target = grantTarget({ params: { roles: ['pg_read_all_data'], privileges: [{ privilege: 'SELECT', on: `public.missing_${run}` }] } });
    const error = await provider.grant(target).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, detail: { code: '42P01' } });
    expect(await roleExists(`accessbot_${target.grantId}`)).toBe(false);
  });

  it('a grant.roles entry that is not a role fails for good, names it, and leaves no login', async () => {
    const missing = `missing"; DROP ROLE postgres; --${run}`;
    const target = grantTarget({ params: { roles: ['pg_read_all_data', missing] } });
    const error = await provider.grant(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: false, detail: { missing_roles: [missing] } });
    expect((error as Error).message).toContain(JSON.stringify(missing));
    expect((error as Error).message).toContain('not a role on the server');
    expect(await roleExists(`accessbot_${target.grantId}`)).toBe(false);
    expect(await roleExists('postgres')).toBe(true);
  });

  it('refuses roles through which the holder could outlast the revoke, unless the policy allows it', async () => {
    const appLogin = `app_login_${run}`;
    const group = `app_group_${run}`;
    await admin.query(`CREATE ROLE ${id(appLogin)} LOGIN`);
    await admin.query(`CREATE ROLE ${id(group)} NOLOGIN IN ROLE ${id(appLogin)}`); // a member of a login role
    try {
      const cases: Array<[string, RegExp]> = [
        ['postgres', /"postgres" is a superuser role/],
        [appLogin, new RegExp(`"${appLogin}" is a login role`)],
        [group, new RegExp(`"${group}" leads to login role "${appLogin}"`)],
      ];
      for (const [role, message] of cases) {
        const target = grantTarget({ params: { roles: ['pg_read_all_data', role] } });
        const error = await provider.grant(target).catch((e: unknown) => e);
        expect(error).toMatchObject({ retryable: false, detail: { escalating_roles: [role] } });
        expect((error as Error).message).toMatch(message);
        expect((error as Error).message).toContain('allow_escalation');
        expect(await roleExists(`accessbot_${target.grantId}`)).toBe(false);
      }

      // Why: a member may SET ROLE to the login role and change its password, which no revoke undoes.
      const target = grantTarget({ params: { roles: [group], allow_escalation: true } });
      const outcome = await provider.grant(target);
      expect(outcome.detail).toMatchObject({ escalating_roles: [group] });
      const session = new pg.Client({ connectionString: server.url.replace(/\/\/[^@/]*@/, `//${outcome.credentials!.user}:${outcome.credentials!.password}@`) });
      await session.connect();
      try {
        await session.query(`SET ROLE ${id(appLogin)}`);
        await expect(session.query(`ALTER ROLE ${id(appLogin)} PASSWORD 'kept-after-revoke'`)).resolves.toBeDefined();
      } finally {
        await session.end();
      }
      await provider.revoke(target);
    } finally {
      await admin.query(`DROP ROLE IF EXISTS ${id(group)}`);
      await admin.query(`DROP ROLE IF EXISTS ${id(appLogin)}`);
    }
  });

  it('never lists, changes or drops a look-alike role it did not create (e.g. an admin named accessbot_admin)', async () => {
    const lookAlike = `accessbot_admin${run}`;
    await admin.query(`CREATE ROLE ${id(lookAlike)} LOGIN IN ROLE pg_read_all_data`);
    try {
      expect((await provider.verify!()).grantIds).not.toContain(lookAlike.slice('accessbot_'.length));
      const grantId = lookAlike.slice('accessbot_'.length);
      const revoke = await provider.revoke(grantTarget({ grantId })).catch((e: unknown) => e);
      expect(revoke).toMatchObject({ retryable: false, message: expect.stringContaining('did not create') });
      const grant = await provider.grant(grantTarget({ grantId, params: { roles: ['pg_read_all_data'] } })).catch((e: unknown) => e);
      expect(grant).toMatchObject({ retryable: false, message: expect.stringContaining('did not create') });
      const state = await admin.query('SELECT rolcanlogin, rolvaliduntil FROM pg_roles WHERE rolname = $1', [lookAlike]);
      expect(state.rows[0]).toEqual({ rolcanlogin: true, rolvaliduntil: null });
      expect(await memberships(lookAlike)).toEqual(['pg_read_all_data']);
    } finally {
      await admin.query(`DROP ROLE IF EXISTS ${id(lookAlike)}`);
    }
  });

  it('revoke of a grant that never reached the target, or was cut half-way, ends with no role and no error', async () => {
    expect((await provider.revoke(grantTarget())).detail).toMatchObject({ existed: false });

    const target = grantTarget({ params: { roles: ['pg_read_all_data'] } });
    const user = `accessbot_${target.grantId}`;
    await provider.grant(target);
    // What a revoke leaves when it stops after its first step (login disabled, memberships gone, role still there).
    await admin.query(`ALTER ROLE ${id(user)} NOLOGIN`);
    await admin.query(`REVOKE pg_read_all_data FROM ${id(user)}`);
    expect((await provider.revoke(target)).detail).toMatchObject({ existed: true, dropped: true });
    expect(await roleExists(user)).toBe(false);
  });

  it('grant twice, revoke twice: same end state, no error; concurrent grants of one id both succeed', async () => {
    const target = grantTarget({ params: { roles: ['pg_read_all_data'] } });
    const user = `accessbot_${target.grantId}`;
    await Promise.all([provider.grant(target), provider.grant(target)]);
    await provider.grant(target);
    expect(await memberships(user)).toEqual(['pg_read_all_data']);

    expect((await provider.revoke(target)).detail).toMatchObject({ existed: true });
    expect((await provider.revoke(target)).detail).toMatchObject({ existed: false });
    expect(await roleExists(user)).toBe(false);

    // Two revokes at once (say the executor and reconciliation) both succeed.
    await provider.grant(target);
    const both = await Promise.all([provider.revoke(target), provider.revoke(target)]);
    expect(both.map((outcome) => outcome.detail?.existed)).toContain(true);
    expect(await roleExists(user)).toBe(false);
  });

  it('verify lists the grant ids that hold a login, so orphans can be found', async () => {
    const kept = grantTarget({ params: { roles: ['pg_read_all_data'] } });
    const gone = grantTarget({ params: { roles: ['pg_read_all_data'] } });
    await provider.grant(kept);
    await provider.grant(gone);
    expect((await provider.verify!()).grantIds).toEqual(expect.arrayContaining([kept.grantId, gone.grantId]));
    await provider.revoke(gone);
    const after = (await provider.verify!()).grantIds;
    expect(after).toContain(kept.grantId);
    expect(after).not.toContain(gone.grantId);
    await provider.revoke(kept);
  });

  it('idle admin connections never keep a process alive that forgot to close the provider; close() is safe twice', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/postgres-no-close.ts', import.meta.url));
    const started = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, ACCESSBOT_TEST_PG_URL: server.url },
      timeout: 20_000,
    });
    expect(stdout).toBe('done\n');
    expect(Date.now() - started).toBeLessThan(15_000); // the pool's idle time-out is 30 s

    const closing = createPostgresProvider('orders-db', postgresResourceSchema.parse({ url: server.url }), testDeps());
    await closing.verify!();
    await closing.close!();
    await closing.close!();
    await expect(closing.verify!()).rejects.toBeInstanceOf(ProviderError);
  }, 30_000);
});
