/**
 * Mode ephemeral: each grant gets its own login role `accessbot_<grantId>` with a fresh password and
 * `VALID UNTIL <expiry>`, so PostgreSQL itself refuses the login after expiry even if the bot is down.
 */
import type pg from 'pg';
import { ProviderError, type GrantOutcome, type GrantTarget, type RevokeOutcome, type VerifyOutcome } from '../types.ts';
import { toProviderError } from './errors.ts';
import { generatePassword, scramSha256Verifier } from './password.ts';
import { inTransaction } from './pool.ts';
import type { PostgresGrant, PostgresSettings } from './settings.ts';
import * as sql from './sql.ts';
import { credentialsFor, type ConnectTarget } from './target.ts';

export interface EphemeralContext {
  resource: string;
  settings: PostgresSettings;
  pool: pg.Pool;
  connectTo: ConnectTarget;
  secrets: readonly string[];
  warn: (obj: object, msg: string) => void;
}

function roleFor(ctx: EphemeralContext, grantId: string): string {
  const role = sql.ephemeralRoleName(grantId);
  if (role === null) {
    throw new ProviderError(`postgres ${ctx.resource}: grant id is not usable as a role name (lowercase letters, digits, _; at most 40)`, false);
  }
  return role;
}

async function roleOid(client: pg.PoolClient, role: string): Promise<string | null> {
  const found = await client.query<{ oid: string }>(sql.ROLE_OID, [role]);
  return found.rows[0]?.oid ?? null;
}

export async function grantEphemeral(ctx: EphemeralContext, target: GrantTarget, params: PostgresGrant): Promise<GrantOutcome> {
  const role = roleFor(ctx, target.grantId);
  const password = generatePassword();
  const spec: sql.LoginSpec = {
    role,
    passwordVerifier: await scramSha256Verifier(password),
    validUntil: target.expiresAt,
    connectionLimit: ctx.settings.connection_limit,
  };
  try {
    const created = await inTransaction(ctx.pool, async (client) => {
      await client.query(sql.LOCK_ROLE, [role]);
      const exists = (await roleOid(client, role)) !== null;
      await client.query(exists ? sql.alterLoginRole(spec) : sql.createLoginRole(spec));
      for (const member of params.roles) await client.query(sql.grantMembership(member, role));
      for (const privilege of params.privileges) await client.query(sql.grantPrivilege(privilege, role));
      return !exists;
    });
    return {
      credentials: credentialsFor(ctx.connectTo, role, password, target.expiresAt),
      detail: { user: role, created, roles: params.roles, privileges: params.privileges.length, valid_until: target.expiresAt.toISOString() },
    };
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'grant', [...ctx.secrets, password]);
  }
}

export async function extendEphemeral(ctx: EphemeralContext, target: GrantTarget): Promise<GrantOutcome> {
  const role = roleFor(ctx, target.grantId);
  try {
    await inTransaction(ctx.pool, async (client) => {
      await client.query(sql.LOCK_ROLE, [role]);
      if ((await roleOid(client, role)) === null) {
        throw new ProviderError(`postgres ${ctx.resource}: the login ${role} no longer exists, so it cannot be extended`, false);
      }
      await client.query(sql.setValidUntil(role, target.expiresAt));
    });
    return { detail: { user: role, valid_until: target.expiresAt.toISOString() } };
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'extend', ctx.secrets);
  }
}

/**
 * Cut access first (NOLOGIN, memberships revoked, committed), then end open sessions, then clean up what the
 * role owns and drop it. A role that is already gone is a successful revoke.
 */
export async function revokeEphemeral(ctx: EphemeralContext, target: GrantTarget): Promise<RevokeOutcome> {
  const role = roleFor(ctx, target.grantId);
  try {
    const cut = await inTransaction(ctx.pool, async (client) => {
      await client.query(sql.LOCK_ROLE, [role]);
      const oid = await roleOid(client, role);
      if (oid === null) return null;
      await client.query(sql.disableLogin(role));
      const memberships = await client.query<{ rolname: string }>(sql.MEMBER_OF, [oid]);
      for (const { rolname } of memberships.rows) await client.query(sql.revokeMembership(rolname, role));
      return { oid, memberships: memberships.rows.length };
    });
    if (cut === null) return { detail: { user: role, existed: false } };

    const terminated = await ctx.pool.query(sql.TERMINATE_SESSIONS, [cut.oid]);
    const dropped = await dropRole(ctx, role);
    return { detail: { user: role, existed: true, sessions_terminated: terminated.rowCount ?? 0, ...dropped } };
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'revoke', ctx.secrets);
  }
}

async function dropRole(ctx: EphemeralContext, role: string): Promise<{ dropped: boolean }> {
  try {
    await inTransaction(ctx.pool, async (client) => {
      await client.query(sql.LOCK_ROLE, [role]);
      if ((await roleOid(client, role)) === null) return;
      await client.query(sql.reassignOwned(role));
      await client.query(sql.dropOwned(role));
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

export async function verifyEphemeral(ctx: EphemeralContext): Promise<VerifyOutcome> {
  try {
    const roles = await ctx.pool.query<{ rolname: string }>(sql.LIST_EPHEMERAL);
    return { grantIds: roles.rows.map((row) => row.rolname.slice(sql.EPHEMERAL_PREFIX.length)) };
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'verify', ctx.secrets);
  }
}
