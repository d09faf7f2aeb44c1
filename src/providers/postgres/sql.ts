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
/** A login-less role that carries one grant's memberships for an existing database user (mode existing). */
export const createGroupRole = (role: string): string =>
  `CREATE ROLE ${ident(role)} WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT`;
/** Every role accessbot creates carries this comment; verify and revoke touch no role without it. */
export const ROLE_MARKER = 'accessbot: ';
export const markRole = (role: string, text: string): string => `COMMENT ON ROLE ${ident(role)} IS ${literal(`${ROLE_MARKER}${text}`)}`;
export const grantToAdmin = (role: string): string => `GRANT ${ident(role)} TO CURRENT_USER`;
export const disableLogin = (role: string): string => `ALTER ROLE ${ident(role)} NOLOGIN VALID UNTIL '-infinity'`;
export const grantMembership = (role: string, member: string): string => `GRANT ${ident(role)} TO ${ident(member)}`;
export const revokeMembership = (role: string, member: string): string => `REVOKE ${ident(role)} FROM ${ident(member)}`;
/**
 * Owns what revoked logins created. It has no privileges and cannot log in: objects handed to the admin instead
 * would run with the admin's rights (a view over a secret table, a SECURITY DEFINER function) — an escalation.
 * Not named `accessbot_…`, so verify never lists it.
 */
export const LEFTOVERS_ROLE = 'accessbot-leftovers';
export const createLeftoversRole = (): string =>
  `CREATE ROLE ${ident(LEFTOVERS_ROLE)} WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT`;
export const markLeftoversRole = (): string =>
  `COMMENT ON ROLE ${ident(LEFTOVERS_ROLE)} IS ${literal('accessbot owner of objects that revoked logins created; it has no privileges of its own')}`;
export const reassignOwned = (role: string, to: string): string => `REASSIGN OWNED BY ${ident(role)} TO ${ident(to)}`;
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
/** $1 role name, $2 ROLE_MARKER: whether accessbot made it, and whether it is one accessbot would never make. */
export const ROLE_STATE = `SELECT oid::text AS oid,
    starts_with(coalesce(shobj_description(oid, 'pg_authid'), ''), $2) AS marked,
    (rolsuper OR rolcreaterole OR rolreplication OR rolbypassrls) AS privileged,
    rolname = current_user AS is_admin
  FROM pg_roles WHERE rolname = $1`;
/** $1 text[]: the names that are not roles on this server. */
export const MISSING_ROLES = `SELECT w.name FROM unnest($1::text[]) AS w(name) WHERE NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = w.name)`;
/**
 * $1 text[]: the named roles through which a member could make access that outlives the revoke — by being, or
 * reaching through memberships (SET ROLE), a superuser, a CREATEROLE role, or a role that can log in (whose
 * password a member may change), with the most powerful such role reached.
 */
export const ESCALATING_ROLES = `SELECT DISTINCT ON (w.name) w.name, s.rolname AS via,
    CASE WHEN s.rolsuper THEN 'superuser' WHEN s.rolcreaterole THEN 'CREATEROLE' ELSE 'login' END AS power
  FROM unnest($1::text[]) AS w(name)
  JOIN pg_roles r ON r.rolname = w.name
  JOIN pg_roles s ON (s.rolsuper OR s.rolcreaterole OR s.rolcanlogin) AND pg_has_role(r.oid, s.oid, 'MEMBER')
  ORDER BY w.name, s.rolsuper DESC, s.rolcreaterole DESC, s.rolname`;
/** $1 database user: whether it can get a temporary membership (exists, not a superuser, not the admin itself). */
export const USER_STATE = `SELECT rolsuper AS superuser, rolname = current_user AS is_admin FROM pg_roles WHERE rolname = $1`;
export const MEMBER_OF = `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = $1::oid`;
export const MEMBERS = `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE m.roleid = $1::oid ORDER BY r.rolname`;
/** Sessions logged in as the role, or as a user that is a member of it (mode existing); never the admin's own. */
export const TERMINATE_SESSIONS = `SELECT count(*) FILTER (WHERE pg_terminate_backend(a.pid, 5000))::int AS terminated
  FROM pg_stat_activity a
  WHERE a.pid <> pg_backend_pid() AND a.usename IS DISTINCT FROM current_user
    AND (a.usesysid = $1::oid OR a.usesysid IN (SELECT m.member FROM pg_auth_members m WHERE m.roleid = $1::oid))`;
/** Objects the role owns or privileges granted to it, in any database (both stop DROP ROLE); objects it owns here; whether the admin has its privileges. */
export const ROLE_DEPENDENCIES = `SELECT EXISTS (SELECT 1 FROM pg_shdepend WHERE refclassid = 'pg_authid'::regclass AND refobjid = $1::oid) AS has_dependencies,
    EXISTS (SELECT 1 FROM pg_shdepend WHERE refclassid = 'pg_authid'::regclass AND refobjid = $1::oid AND deptype = 'o'
      AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())) AS owns_objects,
    pg_has_role(current_user, $1::oid, 'USAGE') AS admin_has_privileges`;
/** $1 role name: whether it is fit to own leftovers (cannot log in, no special attributes), and whether the admin has its privileges. */
export const HOLDER_STATE = `SELECT (rolcanlogin OR rolsuper OR rolcreaterole OR rolreplication OR rolbypassrls) AS unfit,
    pg_has_role(current_user, oid, 'USAGE') AS admin_has_privileges
  FROM pg_roles WHERE rolname = $1`;
/** $1 ROLE_MARKER. */
export const LIST_EPHEMERAL = `SELECT rolname FROM pg_roles
  WHERE rolname LIKE 'accessbot\\_%' AND starts_with(coalesce(shobj_description(oid, 'pg_authid'), ''), $1)
  ORDER BY rolname`;
