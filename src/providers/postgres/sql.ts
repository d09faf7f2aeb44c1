/**
 * SQL text for the PostgreSQL provider. Every name goes through `escapeIdentifier` and every value through
 * `escapeLiteral` (DDL takes no bind parameters); keywords come only from fixed lists in settings.ts.
 */
import { loadPg } from './load-pg.ts';
import { privilegesFor, privilegeTarget, type PrivilegeGrant } from './settings.ts';

const ident = (name: string): string => loadPg().escapeIdentifier(name);
const literal = (value: string): string => loadPg().escapeLiteral(value);

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
/** Predefined roles that act as the server's operating-system account, or start work that outlives the grant. */
export const SERVER_ROLES = ['pg_execute_server_program', 'pg_write_server_files', 'pg_read_server_files', 'pg_create_subscription'] as const;

/**
 * Every ACL in this database (and the shared ones: databases, tablespaces), as (classid, objid, objsubid, acl),
 * for aclexplode(). Column privileges carry the column number in objsubid.
 */
const ALL_ACLS = `SELECT 'pg_class'::regclass AS classid, c.oid AS objid, 0 AS objsubid, c.relacl AS acl FROM pg_class c WHERE c.relacl IS NOT NULL
    UNION ALL SELECT 'pg_class'::regclass, a.attrelid, a.attnum, a.attacl FROM pg_attribute a WHERE a.attacl IS NOT NULL
    UNION ALL SELECT 'pg_namespace'::regclass, n.oid, 0, n.nspacl FROM pg_namespace n WHERE n.nspacl IS NOT NULL
    UNION ALL SELECT 'pg_proc'::regclass, p.oid, 0, p.proacl FROM pg_proc p WHERE p.proacl IS NOT NULL
    UNION ALL SELECT 'pg_type'::regclass, t.oid, 0, t.typacl FROM pg_type t WHERE t.typacl IS NOT NULL
    UNION ALL SELECT 'pg_language'::regclass, l.oid, 0, l.lanacl FROM pg_language l WHERE l.lanacl IS NOT NULL
    UNION ALL SELECT 'pg_largeobject_metadata'::regclass, m.oid, 0, m.lomacl FROM pg_largeobject_metadata m WHERE m.lomacl IS NOT NULL
    UNION ALL SELECT 'pg_foreign_data_wrapper'::regclass, f.oid, 0, f.fdwacl FROM pg_foreign_data_wrapper f WHERE f.fdwacl IS NOT NULL
    UNION ALL SELECT 'pg_foreign_server'::regclass, f.oid, 0, f.srvacl FROM pg_foreign_server f WHERE f.srvacl IS NOT NULL
    UNION ALL SELECT 'pg_default_acl'::regclass, d.oid, 0, d.defaclacl FROM pg_default_acl d
    UNION ALL SELECT 'pg_database'::regclass, d.oid, 0, d.datacl FROM pg_database d WHERE d.datacl IS NOT NULL
    UNION ALL SELECT 'pg_tablespace'::regclass, s.oid, 0, s.spcacl FROM pg_tablespace s WHERE s.spcacl IS NOT NULL`;

/** The oid of the database the admin is connected to. */
const THIS_DATABASE = `(SELECT oid FROM pg_database WHERE datname = current_database())`;

/**
 * $1 text[]: the named roles through which a member could keep access after the revoke or act as the server,
 * with the most dangerous such power found (one row per name). A role is that kind of role when it, or any role
 * it reaches through memberships (SET ROLE), is:
 * - `superuser`, `CREATEROLE`, or `login` (whose password a member may change);
 * - `server`: one of SERVER_ROLES (programs and files as the server's OS account, subscriptions);
 * - `owner`: owns objects, in any database (an owner can grant on them to PUBLIC or anyone, for good);
 * - `grant_option`: holds a privilege WITH GRANT OPTION here or on a shared object (such grants outlive it);
 * - `admin_option`: may grant a role to others (WITH ADMIN OPTION).
 * `example` names one object, privilege or role behind owner/grant_option/admin_option.
 */
export const ESCALATING_ROLES = `WITH named AS (
    SELECT w.name, r.oid FROM unnest($1::text[]) AS w(name) JOIN pg_roles r ON r.rolname = w.name
  ), reached AS (
    SELECT n.name, s.oid, s.rolname, s.rolsuper, s.rolcreaterole, s.rolcanlogin
    FROM named n JOIN pg_roles s ON pg_has_role(n.oid, s.oid, 'MEMBER')
  ), acls AS (${ALL_ACLS}
  ), grantable AS (
    SELECT DISTINCT ON (x.grantee) x.grantee AS oid, x.privilege_type || ' on ' || pg_describe_object(a.classid, a.objid, a.objsubid) AS example
    FROM acls a CROSS JOIN LATERAL aclexplode(a.acl) x
    WHERE x.is_grantable AND x.grantee IN (SELECT oid FROM reached)
    ORDER BY x.grantee, a.classid, a.objid, a.objsubid, x.privilege_type
  ), found AS (
    SELECT name, rolname AS via, 1 AS rank, 'superuser' AS power, NULL::text AS example FROM reached WHERE rolsuper
    UNION ALL SELECT name, rolname, 2, 'CREATEROLE', NULL FROM reached WHERE rolcreaterole
    UNION ALL SELECT name, rolname, 3, 'server', NULL FROM reached WHERE rolname = ANY ($2::text[])
    UNION ALL SELECT name, rolname, 4, 'login', NULL FROM reached WHERE rolcanlogin
    UNION ALL SELECT r.name, r.rolname, 5, 'owner', o.example FROM reached r CROSS JOIN LATERAL (
        SELECT CASE WHEN d.dbid IN (0, ${THIS_DATABASE}) THEN pg_describe_object(d.classid, d.objid, d.objsubid)
               ELSE 'objects in database ' || quote_ident(db.datname) END AS example
        FROM pg_shdepend d LEFT JOIN pg_database db ON db.oid = d.dbid
        WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = r.oid AND d.deptype = 'o' AND d.classid <> 'pg_default_acl'::regclass
        ORDER BY d.dbid IN (0, ${THIS_DATABASE}) DESC, d.classid, d.objid LIMIT 1) o
    UNION ALL SELECT r.name, r.rolname, 6, 'grant_option', g.example FROM reached r JOIN grantable g ON g.oid = r.oid
    UNION ALL SELECT r.name, r.rolname, 7, 'admin_option', m.example FROM reached r CROSS JOIN LATERAL (
        SELECT 'role ' || quote_ident(g.rolname) AS example FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid
        WHERE am.member = r.oid AND am.admin_option ORDER BY g.rolname LIMIT 1) m
  )
  SELECT DISTINCT ON (name) name, via, power, example FROM found ORDER BY name, rank, via <> name, via`;
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
/**
 * A grant role whose access is cut but which could not be dropped keeps accessbot's marker with this text after
 * it, so a later revoke may still finish it, and verify no longer counts it as access held.
 */
export const PENDING_MARKER = `${ROLE_MARKER}cleanup pending: `;
export const markPending = (role: string, text: string): string => `COMMENT ON ROLE ${ident(role)} IS ${literal(`${PENDING_MARKER}${text}`)}`;
/** $1 ROLE_MARKER, $2 PENDING_MARKER. */
export const LIST_EPHEMERAL = `SELECT rolname FROM pg_roles
  WHERE rolname LIKE 'accessbot\\_%' AND starts_with(coalesce(shobj_description(oid, 'pg_authid'), ''), $1)
    AND NOT starts_with(coalesce(shobj_description(oid, 'pg_authid'), ''), $2)
  ORDER BY rolname`;

export const grantCreateOnSchema = (schema: string, to: string): string => `GRANT CREATE ON SCHEMA ${ident(schema)} TO ${ident(to)}`;
export const revokeCreateOnSchema = (schema: string, from: string): string => `REVOKE CREATE ON SCHEMA ${ident(schema)} FROM ${ident(from)}`;
export const savepoint = (name: string): string => `SAVEPOINT ${ident(name)}`;
export const rollbackTo = (name: string): string => `ROLLBACK TO SAVEPOINT ${ident(name)}`;
export const release = (name: string): string => `RELEASE SAVEPOINT ${ident(name)}`;

/** What a shared dependency row of role $1 is: owned here or shared (`o`), named by pg_describe_object. */
const OWNED_HERE = `d.refclassid = 'pg_authid'::regclass AND d.refobjid = $1::oid AND d.deptype = 'o'
    AND d.dbid IN (0, ${THIS_DATABASE}) AND d.classid NOT IN ('pg_default_acl'::regclass, 'pg_user_mapping'::regclass)`;
/** $1 role oid: the objects it owns in this database and shared ones (what REASSIGN OWNED hands over). */
export const OWNED_OBJECTS = `SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS object FROM pg_shdepend d WHERE ${OWNED_HERE} ORDER BY 1`;
/**
 * $1 role oid, $2 the leftovers owner: schemas holding objects the role owns on which the leftovers owner has no
 * CREATE (so REASSIGN OWNED refuses, e.g., functions there), and whether the admin may grant it CREATE there.
 * Empty for a superuser admin, which REASSIGN OWNED never refuses for this.
 */
export const SCHEMAS_TO_OPEN = `SELECT DISTINCT n.nspname AS schema, has_schema_privilege(current_user, n.oid, 'CREATE WITH GRANT OPTION') AS grantable
  FROM pg_shdepend d
  CROSS JOIN LATERAL pg_identify_object(d.classid, d.objid, d.objsubid) i
  JOIN pg_namespace n ON n.nspname = i.schema
  WHERE ${OWNED_HERE} AND NOT has_schema_privilege($2, n.oid, 'CREATE')
    AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
  ORDER BY 1`;
/**
 * $1 role oid, $2 the leftovers owner: routines the role owns in schemas where the leftovers owner has no
 * CREATE (REASSIGN OWNED cannot hand them over), each with the statement that drops it alone.
 */
export const UNMOVABLE_ROUTINES = `SELECT pg_describe_object('pg_proc'::regclass, p.oid, 0) AS object,
    format('DROP ROUTINE %I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS statement
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE p.proowner = $1::oid AND NOT has_schema_privilege($2, n.oid, 'CREATE')
    AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
  ORDER BY 1`;
/**
 * $1 role oid: one REVOKE per object in this database (or shared) on which the role holds privileges, names
 * quoted by the server. Used when the role must stay (cleanup pending), so that nothing it owns (a view, a
 * SECURITY DEFINER function) runs with privileges it was given.
 */
export const PRIVILEGE_REVOKES = `WITH acls AS (${ALL_ACLS}
  ), mine AS (
    SELECT DISTINCT a.classid, a.objid, a.objsubid FROM acls a CROSS JOIN LATERAL aclexplode(a.acl) x WHERE x.grantee = $1::oid
  )
  SELECT s.statement FROM (
    SELECT CASE
        WHEN m.classid = 'pg_class'::regclass AND m.objsubid = 0 THEN format('REVOKE ALL ON %s %I.%I FROM %I',
          CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, cn.nspname, c.relname, r.rolname)
        WHEN m.classid = 'pg_class'::regclass THEN format('REVOKE ALL (%I) ON TABLE %I.%I FROM %I', att.attname, cn.nspname, c.relname, r.rolname)
        WHEN m.classid = 'pg_namespace'::regclass THEN format('REVOKE ALL ON SCHEMA %I FROM %I', n.nspname, r.rolname)
        WHEN m.classid = 'pg_proc'::regclass THEN format('REVOKE ALL ON ROUTINE %I.%I(%s) FROM %I', pn.nspname, p.proname, pg_get_function_identity_arguments(p.oid), r.rolname)
        WHEN m.classid = 'pg_type'::regclass THEN format('REVOKE ALL ON TYPE %I.%I FROM %I', tn.nspname, t.typname, r.rolname)
        WHEN m.classid = 'pg_language'::regclass THEN format('REVOKE ALL ON LANGUAGE %I FROM %I', l.lanname, r.rolname)
        WHEN m.classid = 'pg_largeobject_metadata'::regclass THEN format('REVOKE ALL ON LARGE OBJECT %s FROM %I', m.objid, r.rolname)
        WHEN m.classid = 'pg_foreign_data_wrapper'::regclass THEN format('REVOKE ALL ON FOREIGN DATA WRAPPER %I FROM %I', w.fdwname, r.rolname)
        WHEN m.classid = 'pg_foreign_server'::regclass THEN format('REVOKE ALL ON FOREIGN SERVER %I FROM %I', fs.srvname, r.rolname)
        WHEN m.classid = 'pg_database'::regclass THEN format('REVOKE ALL ON DATABASE %I FROM %I', db.datname, r.rolname)
        WHEN m.classid = 'pg_tablespace'::regclass THEN format('REVOKE ALL ON TABLESPACE %I FROM %I', ts.spcname, r.rolname)
      END AS statement
    FROM mine m
    JOIN pg_roles r ON r.oid = $1::oid
    LEFT JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    LEFT JOIN pg_namespace cn ON cn.oid = c.relnamespace
    LEFT JOIN pg_attribute att ON m.classid = 'pg_class'::regclass AND m.objsubid > 0 AND att.attrelid = m.objid AND att.attnum = m.objsubid
    LEFT JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
    LEFT JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    LEFT JOIN pg_namespace pn ON pn.oid = p.pronamespace
    LEFT JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
    LEFT JOIN pg_namespace tn ON tn.oid = t.typnamespace
    LEFT JOIN pg_language l ON m.classid = 'pg_language'::regclass AND l.oid = m.objid
    LEFT JOIN pg_foreign_data_wrapper w ON m.classid = 'pg_foreign_data_wrapper'::regclass AND w.oid = m.objid
    LEFT JOIN pg_foreign_server fs ON m.classid = 'pg_foreign_server'::regclass AND fs.oid = m.objid
    LEFT JOIN pg_database db ON m.classid = 'pg_database'::regclass AND db.oid = m.objid
    LEFT JOIN pg_tablespace ts ON m.classid = 'pg_tablespace'::regclass AND ts.oid = m.objid
  ) s WHERE s.statement IS NOT NULL ORDER BY 1`;
/**
 * $1 role oid: what still ties the role to this database or shared objects (owned objects, privileges, default
 * privileges), and per other database how many such entries there are. Both are the "cleanup pending" list.
 */
export const REMAINING_HERE = `SELECT CASE d.deptype WHEN 'o' THEN '' ELSE 'privileges on ' END || pg_describe_object(d.classid, d.objid, d.objsubid) AS object
  FROM pg_shdepend d
  WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = $1::oid AND d.dbid IN (0, ${THIS_DATABASE})
  ORDER BY d.deptype, 1`;
export const REMAINING_ELSEWHERE = `SELECT db.datname AS database, count(*)::int AS entries
  FROM pg_shdepend d JOIN pg_database db ON db.oid = d.dbid
  WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = $1::oid AND d.dbid NOT IN (0, ${THIS_DATABASE})
  GROUP BY db.datname ORDER BY 1`;
