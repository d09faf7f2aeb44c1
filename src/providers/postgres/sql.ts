/**
 * SQL text for the PostgreSQL provider. Every name goes through `escapeIdentifier` and every value through
 * `escapeLiteral` (DDL takes no bind parameters); keywords come only from fixed lists in settings.ts.
 */
import pg from 'pg';
import { privilegesFor, privilegeTarget, type PrivilegeGrant } from './settings.ts';

const ident = (name: string): string => pg.escapeIdentifier(name);
const literal = (value: string): string => pg.escapeLiteral(value);

export const EPHEMERAL_PREFIX = 'accessbot_';
export const EPHEMERAL_ROLE_PATTERN = /^accessbot_[a-z0-9_]{1,40}$/;

/** `accessbot_<grantId>`, or null when the grant id would not give a safe, short role name. */
export function ephemeralRoleName(grantId: string): string | null {
  const name = `${EPHEMERAL_PREFIX}${grantId}`;
  return EPHEMERAL_ROLE_PATTERN.test(name) ? name : null;
}

export interface LoginSpec {
  role: string;
  /** A SCRAM-SHA-256 verifier (never the clear password, so server logs never see it). */
  passwordVerifier: string;
  validUntil: Date;
  connectionLimit: number;
}

function loginOptions(spec: LoginSpec): string {
  return (
    `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT ` +
    `PASSWORD ${literal(spec.passwordVerifier)} VALID UNTIL ${literal(spec.validUntil.toISOString())} ` +
    `CONNECTION LIMIT ${Math.trunc(spec.connectionLimit)}`
  );
}

export const createLoginRole = (spec: LoginSpec): string => `CREATE ROLE ${ident(spec.role)} WITH ${loginOptions(spec)}`;
export const alterLoginRole = (spec: LoginSpec): string => `ALTER ROLE ${ident(spec.role)} WITH ${loginOptions(spec)}`;
export const setValidUntil = (role: string, until: Date): string =>
  `ALTER ROLE ${ident(role)} VALID UNTIL ${literal(until.toISOString())}`;
export const disableLogin = (role: string): string => `ALTER ROLE ${ident(role)} NOLOGIN VALID UNTIL '-infinity'`;
export const grantMembership = (role: string, member: string): string => `GRANT ${ident(role)} TO ${ident(member)}`;
export const revokeMembership = (role: string, member: string): string => `REVOKE ${ident(role)} FROM ${ident(member)}`;
export const reassignOwned = (role: string): string => `REASSIGN OWNED BY ${ident(role)} TO CURRENT_USER`;
export const dropOwned = (role: string): string => `DROP OWNED BY ${ident(role)}`;
export const dropRole = (role: string): string => `DROP ROLE IF EXISTS ${ident(role)}`;

export function grantPrivilege(grant: PrivilegeGrant, member: string): string {
  const target = privilegeTarget(grant);
  if (!privilegesFor(target.type).includes(grant.privilege)) {
    throw new Error(`${grant.privilege} does not apply to a ${target.type}`);
  }
  const keyword = grant.privilege === 'ALL' ? 'ALL PRIVILEGES' : grant.privilege;
  const schema = ident(target.schema);
  const object = target.object === null ? '' : `.${ident(target.object)}`;
  const on = {
    table: `TABLE ${schema}${object}`,
    sequence: `SEQUENCE ${schema}${object}`,
    schema: `SCHEMA ${schema}`,
    all_tables: `ALL TABLES IN SCHEMA ${schema}`,
    all_sequences: `ALL SEQUENCES IN SCHEMA ${schema}`,
  }[target.type];
  return `GRANT ${keyword} ON ${on} TO ${ident(member)}`;
}

/** Serialises concurrent work on one role name inside a transaction. */
export const LOCK_ROLE = `SELECT pg_advisory_xact_lock(hashtext('accessbot:' || $1))`;
export const ROLE_OID = `SELECT oid FROM pg_roles WHERE rolname = $1`;
export const MEMBER_OF = `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = $1::oid`;
export const TERMINATE_SESSIONS = `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usesysid = $1::oid AND pid <> pg_backend_pid()`;
export const LIST_EPHEMERAL = `SELECT rolname FROM pg_roles WHERE rolname LIKE 'accessbot\\_%' ORDER BY rolname`;
