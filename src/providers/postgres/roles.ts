/**
 * The role accessbot creates per grant (`accessbot_<grantId>`: a login in mode ephemeral, a login-less role
 * granted to the mapped user in mode existing) and how it is taken away again. Both modes revoke the same way:
 * cut access (NOLOGIN, its memberships revoked, committed), end open sessions, drop the role. Only roles that
 * carry accessbot's marker comment are ever listed, changed or dropped, so an operator's own `accessbot_admin`
 * (or any other look-alike) is never touched.
 */
import type pg from 'pg';
import { emptyActivity, type ActivityReport } from '../../domain/activity.ts';
import { ProviderError, type RevokeOutcome, type VerifyOutcome } from '../types.ts';
import { readActivitySafely } from './activity.ts';
import { scrub, toProviderError } from './errors.ts';
import { inTransaction } from './pool.ts';
import * as sql from './sql.ts';

export interface RoleContext {
  resource: string;
  pool: pg.Pool;
  secrets: readonly string[];
  warn: (obj: object, msg: string) => void;
}

/** `accessbot_<grantId>`, or a final error when the grant id would not make a plain, short role name. */
export function grantRoleName(resource: string, grantId: string): string {
  const role = sql.ephemeralRoleName(grantId);
  if (role === null) {
    throw new ProviderError(`postgres ${resource}: grant id is not usable as a role name (lowercase letters, digits, _; at most 40)`, false);
  }
  return role;
}

/**
 * The oid of the grant's role, null when there is none, or a final error when a role of that name exists that
 * accessbot did not create (no marker, or attributes accessbot never gives, or the admin itself).
 */
export async function ownRoleOid(client: pg.PoolClient, resource: string, role: string): Promise<string | null> {
  const found = await client.query<{ oid: string; marked: boolean; privileged: boolean; is_admin: boolean }>(sql.ROLE_STATE, [role, sql.ROLE_MARKER]);
  const row = found.rows[0];
  if (!row) return null;
  if (!row.marked || row.privileged || row.is_admin) {
    throw new ProviderError(
      `postgres ${resource}: a role named ${role} exists that accessbot did not create; it is left untouched (rename or remove it)`,
      false,
      { user: role },
    );
  }
  return row.oid;
}

/** A final error naming every role in `grant.roles` that does not exist, before anything is created. */
export async function requireRolesExist(client: pg.PoolClient, resource: string, roles: readonly string[]): Promise<void> {
  if (roles.length === 0) return;
  const missing = (await client.query<{ name: string }>(sql.MISSING_ROLES, [roles])).rows.map((row) => row.name);
  if (missing.length > 0) {
    const names = missing.map((name) => JSON.stringify(name)).join(', ');
    throw new ProviderError(
      `postgres ${resource}: grant.roles names ${names}, which ${missing.length === 1 ? 'is' : 'are'} not a role on the server; fix the policy or create ${missing.length === 1 ? 'it' : 'them'}`,
      false,
      { missing_roles: missing },
    );
  }
}

export interface Escalation {
  /** The role named in `grant.roles`. */
  role: string;
  /** The role with the power: `role` itself or one it reaches through memberships. */
  via: string;
  power: 'superuser' | 'CREATEROLE' | 'server' | 'login' | 'owner' | 'grant_option' | 'admin_option';
  /** An object, privilege or role behind an owner, grant-option or admin-option finding. */
  example: string | null;
}

/** Every role in `roles` through which a holder could keep access after the revoke, or act as the server's account. */
export async function findEscalations(client: pg.PoolClient, roles: readonly string[]): Promise<Escalation[]> {
  if (roles.length === 0) return [];
  const rows = (await client.query<{ name: string; via: string; power: Escalation['power']; example: string | null }>(sql.ESCALATING_ROLES, [roles, sql.SERVER_ROLES])).rows;
  return rows.map((row) => ({ role: row.name, via: row.via, power: row.power, example: row.example }));
}

const SERVER_POWERS: Record<string, string> = {
  pg_execute_server_program: "runs programs as the server's operating-system account",
  pg_write_server_files: "writes files as the server's operating-system account",
  pg_read_server_files: "reads files as the server's operating-system account",
  pg_create_subscription: 'creates subscriptions, which connect out and keep running',
};

/** One finding in plain words, e.g. `"ops" leads to "app_owner", which owns objects (e.g. table public.orders)`. */
export function describeEscalation(found: Escalation): string {
  const name = JSON.stringify(found.role);
  if (found.power === 'superuser' || found.power === 'CREATEROLE' || found.power === 'login') {
    return found.via === found.role ? `${name} is a ${found.power} role` : `${name} leads to ${found.power} role ${JSON.stringify(found.via)}`;
  }
  const eg = found.example ? ` (e.g. ${found.example})` : '';
  const what = {
    server: SERVER_POWERS[found.via] ?? 'is a predefined server role',
    owner: `owns objects${eg}`,
    grant_option: `holds privileges WITH GRANT OPTION${eg}`,
    admin_option: `may grant roles to others (WITH ADMIN OPTION${found.example ? `: ${found.example}` : ''})`,
  }[found.power];
  return found.via === found.role ? `${name} ${what}` : `${name} leads to ${JSON.stringify(found.via)}, which ${what}`;
}

/**
 * A final error when `grant.roles` would let the holder keep access after the revoke (a new login, a changed
 * password, a grant on an owned object or WITH GRANT OPTION to PUBLIC or another role) or act as the server's
 * operating-system account, unless the policy allows it; returns what it found (for the audit detail).
 */
export async function refuseEscalation(client: pg.PoolClient, resource: string, roles: readonly string[], allowed: boolean): Promise<Escalation[]> {
  const found = await findEscalations(client, roles);
  if (found.length === 0 || allowed) return found;
  throw new ProviderError(
    `postgres ${resource}: grant.roles: ${found.map(describeEscalation).join('; ')}. Whoever holds it could keep access after the revoke ` +
      "(create a login, change a password, grant to PUBLIC or another role) or act as the server's operating-system account; " +
      'grant a role without those powers, or set grant.allow_escalation: true',
    false,
    escalationDetail(found),
  );
}

/** Audit detail for escalating roles: their names, and each finding in words. */
export function escalationDetail(found: readonly Escalation[]): Record<string, unknown> {
  return found.length === 0 ? {} : { escalating_roles: found.map((row) => row.role), escalations: found.map(describeEscalation) };
}

/**
 * What a grant with these parameters would be refused for at the target right now (missing roles, escalation),
 * without changing anything: for `policy check` and start-up. Throws (a retryable ProviderError) only when the
 * target cannot be asked.
 */
export async function checkGrantRoles(ctx: RoleContext, roles: readonly string[], allowEscalation: boolean): Promise<string[]> {
  if (roles.length === 0) return [];
  try {
    return await inTransaction(ctx.pool, async (client) => {
      await client.query('SET TRANSACTION READ ONLY');
      const problems: string[] = [];
      for (const check of [() => requireRolesExist(client, ctx.resource, roles), () => refuseEscalation(client, ctx.resource, roles, allowEscalation)]) {
        try {
          await check();
        } catch (error) {
          if (!(error instanceof ProviderError) || error.retryable) throw error;
          problems.push(error.message);
        }
      }
      return problems;
    });
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'check', ctx.secrets);
  }
}

/**
 * Cuts access first and always (NOLOGIN, memberships revoked, committed; open sessions ended), then cleans up:
 * what the role owns goes to the leftovers owner and the role is dropped. A cleanup that cannot finish (something
 * another role owns depends on what the holder created, or objects in another database) does not fail the revoke
 * forever: the role stays without login, memberships, members or privileges, marked "cleanup pending", and the
 * outcome says so (`dropped: false`, `cleanup_pending: [...]`).
 */
export async function revokeGrantRole(ctx: RoleContext, role: string, activity: 'login' | 'none' = 'none'): Promise<RevokeOutcome> {
  try {
    const cut = await inTransaction(ctx.pool, async (client) => {
      await client.query(sql.LOCK_ROLE, [role]);
      const oid = await ownRoleOid(client, ctx.resource, role);
      if (oid === null) return null;
      await client.query(sql.disableLogin(role));
      const memberships = await client.query<{ rolname: string }>(sql.MEMBER_OF, [oid]);
      for (const { rolname } of memberships.rows) await client.query(sql.revokeMembership(rolname, role));
      const members = (await client.query<{ rolname: string }>(sql.MEMBERS, [oid])).rows.map((row) => row.rolname);
      return { oid, members };
    });
    if (cut === null) return { detail: { user: role, existed: false } };

    // What the login did, read while its sessions and statistics are still there (it can no longer log in).
    const report = activity === 'login' ? await readActivitySafely(ctx, cut.oid) : undefined;
    const terminated = await terminateSessions(ctx, role, cut.oid);
    const cleanup = await dropRole(ctx, role);
    const members = cut.members.length > 0 ? { members: cut.members } : {};
    return { detail: { user: role, existed: true, ...members, sessions_terminated: terminated, ...cleanup }, ...(report ? { activity: report } : {}) };
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'revoke', ctx.secrets);
  }
}

async function terminateSessions(ctx: RoleContext, role: string, oid: string): Promise<number> {
  try {
    const result = await ctx.pool.query<{ terminated: number }>(sql.TERMINATE_SESSIONS, [oid]);
    return result.rows[0]?.terminated ?? 0;
  } catch (error) {
    if ((error as { code?: unknown }).code === '42501') {
      throw new ProviderError(
        `postgres ${ctx.resource}: ${role} can no longer log in, but its open sessions could not be ended: the admin role needs membership in pg_signal_backend`,
        false,
        { user: role, code: '42501' },
      );
    }
    throw error;
  }
}

/** At most this many names per list in a revoke's audit detail; the full count is given beside it. */
export const LISTED_OBJECTS = 50;

function listed(key: string, names: readonly string[]): Record<string, unknown> {
  if (names.length === 0) return {};
  return names.length > LISTED_OBJECTS ? { [key]: names.slice(0, LISTED_OBJECTS), [`${key}_count`]: names.length } : { [key]: [...names] };
}

/**
 * Runs `work` inside a savepoint. A failure the target may get over by itself (lock time-out, lost connection)
 * is thrown; any other is undone to the savepoint and returned, so the caller can take another way.
 */
async function attempt(ctx: RoleContext, client: pg.PoolClient, work: string | (() => Promise<unknown>)): Promise<Error | null> {
  const name = 'accessbot_cleanup';
  await client.query(sql.savepoint(name));
  try {
    if (typeof work === 'string') await client.query(work);
    else await work();
  } catch (error) {
    if (toProviderError(error, ctx.resource, 'revoke', ctx.secrets).retryable) throw error;
    await client.query(sql.rollbackTo(name));
    await client.query(sql.release(name));
    return error instanceof Error ? error : new Error(String(error));
  }
  await client.query(sql.release(name));
  return null;
}

interface Handover {
  /** Objects now owned by the leftovers owner. */
  reassigned: string[];
  /** Objects that could not be handed over and were dropped. */
  dropped: string[];
  /** Schemas where the leftovers owner got CREATE for the handover only (taken back in the same transaction). */
  opened: string[];
  /** Why nothing could be handed over or dropped, when so (then nothing changed). */
  failure: Error | null;
}

/**
 * Hands what the role owns here to the leftovers owner. REASSIGN OWNED refuses when the new owner has no
 * CREATE on the schema of, e.g., a function there, so the leftovers owner gets CREATE on such schemas for the
 * duration of the transaction where the admin may grant it. Routines it still cannot take are dropped one by
 * one; if handing over still fails, everything the role owns here is dropped instead (DROP OWNED).
 */
async function handOver(ctx: RoleContext, client: pg.PoolClient, role: string, oid: string): Promise<Handover> {
  const holder = await leftoversRole(ctx, client);
  const owned = async () => (await client.query<{ object: string }>(sql.OWNED_OBJECTS, [oid])).rows.map((row) => row.object);
  const schemas = (await client.query<{ schema: string; grantable: boolean }>(sql.SCHEMAS_TO_OPEN, [oid, holder])).rows;
  const opened: string[] = [];
  for (const { schema } of schemas.filter((row) => row.grantable)) {
    if ((await attempt(ctx, client, sql.grantCreateOnSchema(schema, holder))) === null) opened.push(schema);
  }

  const result: Handover = { reassigned: [], dropped: [], opened, failure: null };
  let before = await owned();
  let failure = await attempt(ctx, client, sql.reassignOwned(role, holder));
  if (failure) {
    const routines = (await client.query<{ object: string; statement: string }>(sql.UNMOVABLE_ROUTINES, [oid, holder])).rows;
    for (const routine of routines) {
      if ((await attempt(ctx, client, routine.statement)) === null) result.dropped.push(routine.object);
    }
    if (result.dropped.length > 0) {
      before = await owned();
      failure = await attempt(ctx, client, sql.reassignOwned(role, holder));
    }
  }
  if (failure) {
    const rest = await owned();
    const dropAll = await attempt(ctx, client, sql.dropOwned(role));
    if (dropAll === null) result.dropped.push(...rest);
    else result.failure = dropAll;
  } else {
    result.reassigned = before;
  }
  for (const schema of opened) await client.query(sql.revokeCreateOnSchema(schema, holder));
  return result;
}

/**
 * Drops the role. What it owns goes to the powerless LEFTOVERS_ROLE (never to the admin), and DROP OWNED takes
 * its privileges away. A non-superuser admin (CREATEROLE) needs the privileges of both roles for that, so it
 * takes a membership in the grant's role inside the same transaction. When the role cannot be dropped, it is
 * left powerless and marked "cleanup pending" (see `leavePending`) in the same transaction.
 */
async function dropRole(ctx: RoleContext, role: string): Promise<Record<string, unknown>> {
  return inTransaction(ctx.pool, async (client) => {
    await client.query(sql.LOCK_ROLE, [role]);
    const oid = await ownRoleOid(client, ctx.resource, role);
    if (oid === null) return { dropped: true };
    const deps = (await client.query<{ has_dependencies: boolean; owns_objects: boolean; admin_has_privileges: boolean }>(sql.ROLE_DEPENDENCIES, [oid])).rows[0];
    let facts: Record<string, unknown> = {};
    let failure: Error | null = null;
    if (deps?.has_dependencies) {
      if (!deps.admin_has_privileges) await client.query(sql.grantToAdmin(role));
      if (deps.owns_objects) {
        const handed = await handOver(ctx, client, role, oid);
        facts = {
          ...listed('reassigned', handed.reassigned),
          ...(handed.reassigned.length > 0 ? { reassigned_to: sql.LEFTOVERS_ROLE } : {}),
          ...listed('dropped_objects', handed.dropped),
          ...(handed.opened.length > 0 ? { create_granted_for_handover: handed.opened } : {}),
        };
        failure = handed.failure;
      }
      failure ??= await attempt(ctx, client, sql.dropOwned(role));
    }
    failure ??= await attempt(ctx, client, sql.dropRole(role));
    if (failure === null) return { dropped: true, ...facts };
    return { dropped: false, ...facts, ...(await leavePending(ctx, client, role, oid, failure)) };
  });
}

/**
 * The role could not be dropped. Access is already cut (no login, no memberships, sessions ended); here it also
 * loses its members and every privilege the admin can take from it, so nothing it still owns (a view, a
 * SECURITY DEFINER function) runs with rights it was given. It is marked "cleanup pending" with what is left,
 * which verify does not count as access held, and the revoke reports it instead of failing again and again.
 */
async function leavePending(ctx: RoleContext, client: pg.PoolClient, role: string, oid: string, failure: Error): Promise<Record<string, unknown>> {
  // The admin's own membership (taken to clean up) stays: a later revoke that finishes the cleanup needs it.
  const members = (await client.query<{ rolname: string }>(sql.MEMBERS, [oid])).rows.map((row) => row.rolname);
  const admin = (await client.query<{ me: string }>('SELECT current_user::text AS me')).rows[0]?.me;
  const removed: string[] = [];
  for (const member of members.filter((name) => name !== admin)) {
    if ((await attempt(ctx, client, sql.revokeMembership(role, member))) === null) removed.push(member);
  }
  const revokes = (await client.query<{ statement: string }>(sql.PRIVILEGE_REVOKES, [oid])).rows;
  for (const { statement } of revokes) await attempt(ctx, client, statement);
  const here = (await client.query<{ object: string }>(sql.REMAINING_HERE, [oid])).rows.map((row) => row.object);
  const elsewhere = (await client.query<{ database: string; entries: number }>(sql.REMAINING_ELSEWHERE, [oid])).rows.map(
    (row) => `${row.entries} object${row.entries === 1 ? '' : 's'} or privileges in database ${row.database}`,
  );
  const pending = [...here, ...elsewhere];
  const detail = (failure as { detail?: unknown }).detail;
  const why = scrub(typeof detail === 'string' && detail !== '' ? `${failure.message}: ${detail.replace(/\s+/g, ' ')}` : failure.message, ctx.secrets);
  const summary = pending.length > 0 ? pending.slice(0, 10).join(', ') + (pending.length > 10 ? `, and ${pending.length - 10} more` : '') : 'nothing listed';
  await client.query(sql.markPending(role, `access cut; could not drop the role (${why}); left: ${summary}`));
  ctx.warn({ resource: ctx.resource, user: role, pending: pending.slice(0, LISTED_OBJECTS), err: why }, 'postgres access cut, cleanup pending');
  return {
    access_cut: true,
    ...listed('cleanup_pending', pending.length > 0 ? pending : ['the role itself']),
    cleanup_error: why,
    ...(removed.length > 0 ? { members_revoked: removed } : {}),
  };
}

/** The leftovers owner, created on first use; the admin becomes a member so it may hand objects to it. */
async function leftoversRole(ctx: RoleContext, client: pg.PoolClient): Promise<string> {
  const holder = sql.LEFTOVERS_ROLE;
  await client.query(sql.LOCK_ROLE, [holder]);
  let state = (await client.query<{ unfit: boolean; admin_has_privileges: boolean }>(sql.HOLDER_STATE, [holder])).rows[0];
  if (!state) {
    await client.query(sql.createLeftoversRole());
    await client.query(sql.markLeftoversRole());
    state = { unfit: false, admin_has_privileges: false };
  }
  if (state.unfit) {
    throw new ProviderError(`postgres ${ctx.resource}: role ${holder} can log in or has special attributes; it must not own what revoked logins left`, false, {
      user: holder,
    });
  }
  if (!state.admin_has_privileges) await client.query(sql.grantToAdmin(holder));
  return holder;
}

/** The activity of a grant's login now (while the grant is active); an empty report when the login is gone. */
export async function sampleGrantRole(ctx: RoleContext, role: string): Promise<ActivityReport> {
  const client = await ctx.pool.connect();
  let oid: string | null;
  try {
    oid = await ownRoleOid(client, ctx.resource, role);
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'verify', ctx.secrets);
  } finally {
    client.release();
  }
  return oid === null ? emptyActivity('postgres') : readActivitySafely(ctx, oid);
}

/** Grant ids whose role exists at the target (only roles accessbot marked as its own). */
export async function listGrantRoles(ctx: RoleContext): Promise<VerifyOutcome> {
  try {
    const roles = await ctx.pool.query<{ rolname: string }>(sql.LIST_EPHEMERAL, [sql.ROLE_MARKER, sql.PENDING_MARKER]);
    return {
      grantIds: roles.rows
        .map((row) => row.rolname)
        .filter((name) => sql.EPHEMERAL_ROLE_PATTERN.test(name))
        .map((name) => name.slice(sql.EPHEMERAL_PREFIX.length)),
    };
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'verify', ctx.secrets);
  }
}
