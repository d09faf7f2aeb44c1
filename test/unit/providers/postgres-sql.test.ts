import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scrub, toProviderError, urlPassword } from '../../../src/providers/postgres/errors.ts';
import { generatePassword, scramSha256Verifier } from '../../../src/providers/postgres/password.ts';
import { describeEscalation, escalationDetail } from '../../../src/providers/postgres/roles.ts';
import { postgresGrantSchema, postgresResourceSchema } from '../../../src/providers/postgres/settings.ts';
import * as sql from '../../../src/providers/postgres/sql.ts';
import { connectTarget, credentialsFor } from '../../../src/providers/postgres/target.ts';

describe('postgres SQL text', () => {
  it('builds the role name only from safe grant ids', () => {
    expect(sql.ephemeralRoleName('k3x9q2')).toBe('accessbot_k3x9q2');
    expect(sql.ephemeralRoleName('a'.repeat(40))).toBe(`accessbot_${'a'.repeat(40)}`);
    for (const bad of ['', 'A1', 'a-b', 'a"b', 'a b', 'a'.repeat(41), 'é']) expect(sql.ephemeralRoleName(bad)).toBeNull();
  });

  it('quotes identifiers and literals, and never carries a clear password', () => {
    const statement = sql.createLoginRole({
      role: 'accessbot_x',
      passwordVerifier: "SCRAM-SHA-256$4096:a'b$c:d",
      validUntil: new Date('2026-01-05T10:00:00.000Z'),
      connectionLimit: 2,
    });
    expect(statement).toBe(
      `CREATE ROLE "accessbot_x" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT ` +
        `PASSWORD 'SCRAM-SHA-256$4096:a''b$c:d' VALID UNTIL '2026-01-05T10:00:00.000Z' CONNECTION LIMIT 2`,
    );
    expect(sql.grantMembership('a"; DROP ROLE x; --', 'accessbot_x')).toBe(`GRANT "a""; DROP ROLE x; --" TO "accessbot_x"`);
    expect(sql.grantPrivilege({ privilege: 'SELECT', on: 's"x.t;--' }, 'accessbot_x')).toBe(`GRANT SELECT ON TABLE "s""x"."t;--" TO "accessbot_x"`);
    expect(sql.grantPrivilege({ privilege: 'USAGE', on: 'app' }, 'u')).toBe(`GRANT USAGE ON SCHEMA "app" TO "u"`);
    expect(sql.grantPrivilege({ privilege: 'ALL', on: 'app', type: 'all_tables' }, 'u')).toBe(`GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA "app" TO "u"`);
    expect(() => sql.grantPrivilege({ privilege: 'INSERT', on: 'app' }, 'u')).toThrow();
    expect(sql.markRole('accessbot_x', "grant x on resource o'db")).toBe(`COMMENT ON ROLE "accessbot_x" IS 'accessbot: grant x on resource o''db'`);
    expect(sql.createGroupRole('accessbot_x')).toMatch(/^CREATE ROLE "accessbot_x" WITH NOLOGIN NOSUPERUSER .* INHERIT$/);
  });
});

describe('postgres escalation findings and cleanup statements', () => {
  it('describes each kind of escalating role in plain words', () => {
    const say = (role: string, via: string, power: Parameters<typeof describeEscalation>[0]['power'], example: string | null = null) =>
      describeEscalation({ role, via, power, example });
    expect(say('postgres', 'postgres', 'superuser')).toBe('"postgres" is a superuser role');
    expect(say('grp', 'app_login', 'login')).toBe('"grp" leads to login role "app_login"');
    expect(say('own', 'own', 'owner', 'table public.orders')).toBe('"own" owns objects (e.g. table public.orders)');
    expect(say('ops', 'own', 'owner', 'table public.orders')).toBe('"ops" leads to "own", which owns objects (e.g. table public.orders)');
    expect(say('go', 'go', 'grant_option', 'SELECT on table public.orders')).toBe('"go" holds privileges WITH GRANT OPTION (e.g. SELECT on table public.orders)');
    expect(say('adm', 'adm', 'admin_option', 'role pg_monitor')).toBe('"adm" may grant roles to others (WITH ADMIN OPTION: role pg_monitor)');
    expect(say('x', 'pg_execute_server_program', 'server')).toBe(`"x" leads to "pg_execute_server_program", which runs programs as the server's operating-system account`);
    expect(say('pg_create_subscription', 'pg_create_subscription', 'server')).toBe('"pg_create_subscription" creates subscriptions, which connect out and keep running');
    expect(escalationDetail([])).toEqual({});
    expect(escalationDetail([{ role: 'own', via: 'own', power: 'owner', example: null }])).toEqual({ escalating_roles: ['own'], escalations: ['"own" owns objects'] });
  });

  it('names every server role the guard refuses, and builds cleanup statements with quoted names', () => {
    expect([...sql.SERVER_ROLES].sort()).toEqual(['pg_create_subscription', 'pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files']);
    expect(sql.grantCreateOnSchema('we"ird', sql.LEFTOVERS_ROLE)).toBe('GRANT CREATE ON SCHEMA "we""ird" TO "accessbot-leftovers"');
    expect(sql.revokeCreateOnSchema('app', sql.LEFTOVERS_ROLE)).toBe('REVOKE CREATE ON SCHEMA "app" FROM "accessbot-leftovers"');
    expect(sql.PENDING_MARKER.startsWith(sql.ROLE_MARKER)).toBe(true);
    expect(sql.markPending('accessbot_x', "left: function s.f(), view s.v'--")).toBe(
      `COMMENT ON ROLE "accessbot_x" IS 'accessbot: cleanup pending: left: function s.f(), view s.v''--'`,
    );
    expect(sql.savepoint('a"b')).toBe('SAVEPOINT "a""b"');
  });
});

describe('postgres settings', () => {
  it('fills defaults and parses its own output to the same value', () => {
    const once = postgresResourceSchema.parse({ url: 'postgres://a:b@db:5433/orders' });
    expect(once).toMatchObject({ mode: 'ephemeral', connection_limit: 2, pool_max: 2 });
    expect(postgresResourceSchema.parse(once)).toEqual(once);
    const grant = postgresGrantSchema.parse({ roles: ['r'] });
    expect(grant).toEqual({ roles: ['r'], privileges: [], allow_escalation: false });
    expect(postgresGrantSchema.parse(grant)).toEqual(grant);
    expect(postgresGrantSchema.safeParse({ roles: ['r'], allow_escalation: 'yes' }).success).toBe(false);
  });

  it('checks privilege targets', () => {
    const ok = (p: object) => postgresGrantSchema.safeParse({ privileges: [p] }).success;
    expect(ok({ privilege: 'SELECT', on: 'public.orders' })).toBe(true);
    expect(ok({ privilege: 'USAGE', on: 'public' })).toBe(true);
    expect(ok({ privilege: 'SELECT', on: 'public', type: 'all_tables' })).toBe(true);
    expect(ok({ privilege: 'USAGE', on: 'public.seq', type: 'sequence' })).toBe(true);
    expect(ok({ privilege: 'SELECT', on: 'a.b.c' })).toBe(false);
    expect(ok({ privilege: 'SELECT', on: 'public.x', type: 'all_tables' })).toBe(false);
    expect(ok({ privilege: 'DELETE', on: 'public' })).toBe(false);
    expect(ok({ privilege: 'select', on: 'public.orders' })).toBe(false);
  });

  it('derives where credentials point, with overrides', () => {
    const settings = postgresResourceSchema.parse({ url: 'postgres://admin:pw@db.internal:5433/orders?sslmode=require&application_name=x' });
    const target = connectTarget(settings);
    expect(target).toEqual({ host: 'db.internal', port: 5433, database: 'orders', query: 'sslmode=require' });
    expect(connectTarget({ ...settings, host: 'proxy', port: 6432, database: 'o2' })).toMatchObject({ host: 'proxy', port: 6432, database: 'o2' });
    const creds = credentialsFor(target, 'accessbot_x', 'Pw1', new Date('2026-01-05T10:00:00Z'));
    expect(creds.url).toBe('postgres://accessbot_x:Pw1@db.internal:5433/orders?sslmode=require');
    expect(creds.expires_at).toBe('2026-01-05T10:00:00.000Z');
  });
});

describe('postgres passwords', () => {
  it('are 32 characters from a 62-letter alphabet and differ every time', () => {
    const all = Array.from({ length: 200 }, () => generatePassword());
    for (const password of all) expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(new Set(all).size).toBe(200);
  });

  it('are sent as a SCRAM-SHA-256 verifier (RFC 7677 derivation)', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const verifier = await scramSha256Verifier('pencil', salt);
    const salted = pbkdf2Sync('pencil', salt, 4096, 32, 'sha256');
    const stored = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64');
    const server = createHmac('sha256', salted).update('Server Key').digest('base64');
    expect(verifier).toBe(`SCRAM-SHA-256$4096:${salt.toString('base64')}$${stored}:${server}`);
    expect(verifier).not.toContain('pencil');
  });
});

describe('postgres errors', () => {
  it('classifies retryable failures and scrubs secrets', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(toProviderError(refused, 'db', 'grant', []).retryable).toBe(true);
    expect(toProviderError(Object.assign(new Error('permission denied'), { code: '42501' }), 'db', 'grant', []).retryable).toBe(false);
    expect(toProviderError(Object.assign(new Error('too many connections'), { code: '53300' }), 'db', 'grant', []).retryable).toBe(true);
    expect(toProviderError(Object.assign(new Error('deadlock'), { code: '40P01' }), 'db', 'grant', []).retryable).toBe(true);
    expect(toProviderError(new Error('timeout exceeded when trying to connect'), 'db', 'grant', []).retryable).toBe(true);
    const leaky = toProviderError(new Error('failed for postgres://admin:topsecret@h/db'), 'db', 'grant', ['topsecret']);
    expect(leaky.message).not.toContain('topsecret');
    expect(scrub('a hunter2 b', ['hunter2'])).toBe('a [redacted] b');
    expect(urlPassword('postgres://a:p%40ss@h/db')).toBe('p@ss');
    expect(urlPassword('postgres://a@h/db')).toBeNull();
  });
});
