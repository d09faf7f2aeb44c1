/**
 * The role accessbot creates per grant (`accessbot_<grantId>`: a login in mode ephemeral, a login-less role
 * granted to the mapped user in mode existing) and how it is taken away again. Both modes revoke the same way:
 * cut access (NOLOGIN, its memberships revoked, committed), end open sessions, drop the role. Only roles that
 * carry accessbot's marker comment are ever listed, changed or dropped, so an operator's own `accessbot_admin`
 * (or any other look-alike) is never touched.
 */
import type pg from 'pg';
import { ProviderError, type RevokeOutcome, type VerifyOutcome } from '../types.ts';
import { toProviderError } from './errors.ts';
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

/**
 * A final error when `grant.roles` would let the holder keep access after the revoke, unless the policy allows
 * it; returns the names of such roles (for the audit detail).
 */
export async function refuseEscalation(client: pg.PoolClient, resource: string, roles: readonly string[], allowed: boolean): Promise<string[]> {
  if (roles.length === 0) return [];
  const found = (await client.query<{ name: string; via: string; power: string }>(sql.ESCALATING_ROLES, [roles])).rows;
  if (found.length === 0 || allowed) return found.map((row) => row.name);
  const what = found.map((row) =>
    row.via === row.name ? `${JSON.stringify(row.name)} is a ${row.power} role` : `${JSON.stringify(row.name)} leads to ${row.power} role ${JSON.stringify(row.via)}`,
  );
  throw new ProviderError(
    `postgres ${resource}: grant.roles: ${what.join('; ')}. Whoever holds it could create a login or change a password that outlives the revoke; ` +
      'grant a role without those powers, or set grant.allow_escalation: true',
    false,
    { escalating_roles: found.map((row) => row.name) },
  );
}

export async function revokeGrantRole(ctx: RoleContext, role: string): Promise<RevokeOutcome> {
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

    const terminated = await terminateSessions(ctx, role, cut.oid);
    const dropped = await dropRole(ctx, role);
    const members = cut.members.length > 0 ? { members: cut.members } : {};
    return { detail: { user: role, existed: true, ...members, sessions_terminated: terminated, ...dropped } };
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

/**
 * Drops the role. What it owns goes to the powerless LEFTOVERS_ROLE (never to the admin), and DROP OWNED takes
 * its privileges away. A non-superuser admin (CREATEROLE) needs the privileges of both roles for that, so it
 * takes a membership in the grant's role inside the same transaction.
 */
async function dropRole(ctx: RoleContext, role: string): Promise<{ dropped: boolean }> {
  try {
    await inTransaction(ctx.pool, async (client) => {
      await client.query(sql.LOCK_ROLE, [role]);
      const oid = await ownRoleOid(client, ctx.resource, role);
      if (oid === null) return;
      const deps = (await client.query<{ has_dependencies: boolean; owns_objects: boolean; admin_has_privileges: boolean }>(sql.ROLE_DEPENDENCIES, [oid])).rows[0];
      if (deps?.has_dependencies) {
        if (!deps.admin_has_privileges) await client.query(sql.grantToAdmin(role));
        if (deps.owns_objects) await client.query(sql.reassignOwned(role, await leftoversRole(ctx, client)));
        await client.query(sql.dropOwned(role));
      }
      await client.query(sql.dropRole(role));
    });
    return { dropped: true };
  } catch (error) {
    // Objects in another database still depend on it. Access is already cut (NOLOGIN, no memberships, no
    // sessions); leave the role for an operator and let `verify` keep reporting it.
    if ((error as { code?: unknown }).code === '2BP01') {
      ctx.warn({ resource: ctx.resource, user: role }, 'postgres login disabled but not dropped: it still owns objects elsewhere');
      return { dropped: false };
    }
    throw error;
  }
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

/** Grant ids whose role exists at the target (only roles accessbot marked as its own). */
export async function listGrantRoles(ctx: RoleContext): Promise<VerifyOutcome> {
  try {
    const roles = await ctx.pool.query<{ rolname: string }>(sql.LIST_EPHEMERAL, [sql.ROLE_MARKER]);
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
