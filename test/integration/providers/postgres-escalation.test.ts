/**
 * The escalation guard (shared test server): besides superuser, CREATEROLE and login roles, a role is refused
 * (without `grant.allow_escalation`) when it — or a role it reaches through membership — owns objects, holds a
 * privilege WITH GRANT OPTION, may grant a role (WITH ADMIN OPTION), or is/reaches pg_execute_server_program,
 * pg_write_server_files, pg_read_server_files (pg_create_subscription on 16+). The same findings come from
 * `checkGrant` (policy check, start-up) without changing anything, and from grant time in both modes.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresProvider, postgresResourceSchema, type PostgresProvider } from '../../../src/providers/postgres/index.ts';
import { ProviderError } from '../../../src/providers/types.ts';
import { detectPostgres } from '../../support/postgres.ts';
import { grantTarget, testDeps } from './grant-target.ts';

const server = await detectPostgres();
const version = server.available ? await serverVersion(server.url) : 0;
const run = randomBytes(3).toString('hex');
const id = pg.escapeIdentifier;
const name = (what: string) => `esc_${what}_${run}`;

const OWNER = name('owner'); // owns a table
const VIA_OWNER = name('via_owner'); // member of OWNER
const GRANTOR = name('grantor'); // SELECT ... WITH GRANT OPTION
const VIA_GRANTOR = name('via_grantor');
const ROLE_ADMIN = name('role_admin'); // pg_monitor WITH ADMIN OPTION
const PROGRAM = name('program'); // member of pg_execute_server_program
const FILES = name('files'); // member of pg_write_server_files
const ELSEWHERE = name('elsewhere'); // owns a table in another database only
const PLAIN = name('plain'); // SELECT only: fine
const TABLE = `esc_table_${run}`;
const OTHER_DB = `esc_db_${run}`;
const ROLES = [VIA_OWNER, OWNER, VIA_GRANTOR, GRANTOR, ROLE_ADMIN, PROGRAM, FILES, ELSEWHERE, PLAIN];

describe.skipIf(!server.available)('postgres escalation guard: owners, grant options, server roles (shared server)', () => {
  let admin: pg.Client;
  let provider: PostgresProvider;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    for (const role of ROLES) await admin.query(`CREATE ROLE ${id(role)} NOLOGIN`);
    await admin.query(`CREATE TABLE public.${id(TABLE)} (id int)`);
    await admin.query(`INSERT INTO public.${id(TABLE)} VALUES (1)`);
    await admin.query(`ALTER TABLE public.${id(TABLE)} OWNER TO ${id(OWNER)}`);
    await admin.query(`GRANT ${id(OWNER)} TO ${id(VIA_OWNER)}`);
    await admin.query(`GRANT SELECT ON public.${id(TABLE)} TO ${id(GRANTOR)} WITH GRANT OPTION`);
    await admin.query(`GRANT ${id(GRANTOR)} TO ${id(VIA_GRANTOR)}`);
    await admin.query(`GRANT pg_monitor TO ${id(ROLE_ADMIN)} WITH ADMIN OPTION`);
    await admin.query(`GRANT pg_execute_server_program TO ${id(PROGRAM)}`);
    await admin.query(`GRANT pg_write_server_files TO ${id(FILES)}`);
    await admin.query(`GRANT SELECT ON public.${id(TABLE)} TO ${id(PLAIN)}`);
    await admin.query(`CREATE DATABASE ${id(OTHER_DB)}`);
    const other = new pg.Client({ connectionString: server.url.replace(/\/[^/?]*(\?|$)/, `/${OTHER_DB}$1`) });
    await other.connect();
    try {
      await other.query(`CREATE TABLE kept (id int)`);
      await other.query(`ALTER TABLE kept OWNER TO ${id(ELSEWHERE)}`);
    } finally {
      await other.end();
    }
    provider = createPostgresProvider('orders-db', postgresResourceSchema.parse({ url: server.url }), testDeps());
  });

  afterAll(async () => {
    await provider?.close?.();
    if (!admin) return;
    await admin.query(`DROP DATABASE IF EXISTS ${id(OTHER_DB)}`);
    await admin.query(`DROP TABLE IF EXISTS public.${id(TABLE)}`);
    for (const role of ROLES) await admin.query(`DROP ROLE IF EXISTS ${id(role)}`);
    await admin.end();
  });

  const roleExists = async (role: string) => ((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount ?? 0) > 0;

  const REFUSED: Array<[string, string]> = [
    [OWNER, `"${OWNER}" owns objects (e.g. table ${TABLE})`],
    [VIA_OWNER, `"${VIA_OWNER}" leads to "${OWNER}", which owns objects (e.g. table ${TABLE})`],
    [GRANTOR, `"${GRANTOR}" holds privileges WITH GRANT OPTION (e.g. SELECT on table ${TABLE})`],
    [VIA_GRANTOR, `"${VIA_GRANTOR}" leads to "${GRANTOR}", which holds privileges WITH GRANT OPTION`],
    [ROLE_ADMIN, `"${ROLE_ADMIN}" may grant roles to others (WITH ADMIN OPTION: role pg_monitor)`],
    ['pg_execute_server_program', `"pg_execute_server_program" runs programs as the server's operating-system account`],
    [PROGRAM, `"${PROGRAM}" leads to "pg_execute_server_program", which runs programs as the server's operating-system account`],
    [FILES, `"${FILES}" leads to "pg_write_server_files", which writes files`],
    ['pg_read_server_files', `"pg_read_server_files" reads files as the server's operating-system account`],
    [ELSEWHERE, `"${ELSEWHERE}" owns objects (e.g. objects in database ${OTHER_DB})`],
  ];

  it('refuses each at grant time, naming what it found, and creates no login', async () => {
    for (const [role, text] of REFUSED) {
      const target = grantTarget({ params: { roles: ['pg_read_all_data', role] } });
      const error = await provider.grant(target).catch((e: unknown) => e);
      expect(error, role).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ retryable: false, detail: { escalating_roles: [role] } });
      expect((error as Error).message).toContain(text);
      expect((error as Error).message).toContain('allow_escalation');
      expect(await roleExists(`accessbot_${target.grantId}`)).toBe(false);
    }
  });

  it.skipIf(version < 160000)('pg_create_subscription is refused where it exists (PostgreSQL 16+)', async () => {
    const error = await provider.grant(grantTarget({ params: { roles: ['pg_create_subscription'] } })).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, detail: { escalating_roles: ['pg_create_subscription'] } });
  });

  it('still grants plain roles; with allow_escalation it grants and records what it found', async () => {
    const plain = grantTarget({ params: { roles: [PLAIN, 'pg_read_all_data'] } });
    const outcome = await provider.grant(plain);
    expect(outcome.detail).not.toHaveProperty('escalating_roles');
    await provider.revoke(plain);

    // Why an owner is refused: the holder hands the owner's table to PUBLIC, and that outlives the revoke.
    const allowed = grantTarget({ params: { roles: [VIA_OWNER], allow_escalation: true } });
    const granted = await provider.grant(allowed);
    expect(granted.detail).toMatchObject({ escalating_roles: [VIA_OWNER], escalations: [expect.stringContaining('owns objects')] });
    const session = new pg.Client({ connectionString: server.url.replace(/\/\/[^@/]*@/, `//${granted.credentials!.user}:${granted.credentials!.password}@`) });
    await session.connect();
    try {
      await session.query(`SET ROLE ${id(OWNER)}`);
      await session.query(`GRANT SELECT ON public.${id(TABLE)} TO PUBLIC`);
    } finally {
      await session.end();
    }
    await provider.revoke(allowed);
    const kept = await admin.query(`SELECT has_table_privilege('public', $1, 'SELECT') AS ok`, [`public.${id(TABLE)}`]);
    expect(kept.rows[0].ok).toBe(true);
    await admin.query(`REVOKE SELECT ON public.${id(TABLE)} FROM PUBLIC`);
  });

  it('mode existing refuses them too', async () => {
    const existing = createPostgresProvider('orders-db', postgresResourceSchema.parse({ url: server.url, mode: 'existing', users: { 'alice@example.com': PLAIN } }), testDeps());
    try {
      const target = grantTarget({ params: { roles: [GRANTOR] } });
      const error = await existing.grant(target).catch((e: unknown) => e);
      expect(error).toMatchObject({ retryable: false, detail: { escalating_roles: [GRANTOR] } });
      expect(await roleExists(`accessbot_${target.grantId}`)).toBe(false);
    } finally {
      await existing.close?.();
    }
  });

  it('checkGrant (policy check, start-up) reports the same, read-only', async () => {
    for (const [role, text] of REFUSED) {
      const problems = await provider.checkGrant({ roles: [role] });
      expect(problems, role).toHaveLength(1);
      expect(problems[0]).toContain(text);
    }
    expect(await provider.checkGrant({ roles: [PLAIN, 'pg_read_all_data'] })).toEqual([]);
    expect(await provider.checkGrant({ roles: [OWNER], allow_escalation: true })).toEqual([]);
    const missing = await provider.checkGrant({ roles: [`nope_${run}`, PROGRAM] });
    expect(missing).toEqual([expect.stringContaining('not a role on the server'), expect.stringContaining('pg_execute_server_program')]);
    expect(await provider.checkGrant({ roles: 'x' })).toEqual([expect.stringContaining('bad grant parameters')]);

    const unreachable = createPostgresProvider('orders-db', postgresResourceSchema.parse({ url: 'postgres://postgres@127.0.0.1:1/test' }), testDeps());
    try {
      await expect(unreachable.checkGrant({ roles: [PLAIN] })).rejects.toMatchObject({ retryable: true });
    } finally {
      await unreachable.close?.();
    }
  });

  it('checks again at grant time: a role that gains a power after the policy check is refused', async () => {
    const changing = name('changing');
    await admin.query(`CREATE ROLE ${id(changing)} NOLOGIN`);
    try {
      expect(await provider.checkGrant({ roles: [changing] })).toEqual([]);
      await admin.query(`GRANT pg_read_server_files TO ${id(changing)}`);
      const error = await provider.grant(grantTarget({ params: { roles: [changing] } })).catch((e: unknown) => e);
      expect(error).toMatchObject({ retryable: false, detail: { escalating_roles: [changing] } });
    } finally {
      await admin.query(`DROP ROLE IF EXISTS ${id(changing)}`);
    }
  });
});

async function serverVersion(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ v: number }>("SELECT current_setting('server_version_num')::int AS v")).rows[0]!.v;
  } finally {
    await client.end();
  }
}
