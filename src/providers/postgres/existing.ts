/**
 * Mode existing: people keep their own database users (mapped by email in `users`); a grant adds role
 * memberships and a revoke removes them and ends that user's open sessions (a session that ran SET ROLE would
 * otherwise keep the role). The target cannot enforce the expiry here, so it relies on the bot's revoke.
 */
import type pg from 'pg';
import { ProviderError, type GrantOutcome, type GrantTarget, type RevokeOutcome } from '../types.ts';
import { toProviderError } from './errors.ts';
import { inTransaction } from './pool.ts';
import type { PostgresGrant } from './settings.ts';
import * as sql from './sql.ts';

export interface ExistingContext {
  resource: string;
  pool: pg.Pool;
  /** Lower-cased email → database user. */
  users: ReadonlyMap<string, string>;
  secrets: readonly string[];
}

function userFor(ctx: ExistingContext, target: GrantTarget): string {
  const email = target.requester.email?.toLowerCase() ?? null;
  const user = email === null ? undefined : ctx.users.get(email);
  if (user === undefined) {
    throw new ProviderError(
      `postgres ${ctx.resource}: no database user is mapped to ${email ?? 'this requester'} (add it under resources.${ctx.resource}.users)`,
      false,
    );
  }
  return user;
}

async function exists(client: pg.PoolClient, role: string): Promise<boolean> {
  return ((await client.query(sql.ROLE_OID, [role])).rowCount ?? 0) > 0;
}

export async function grantExisting(ctx: ExistingContext, target: GrantTarget, params: PostgresGrant): Promise<GrantOutcome> {
  const user = userFor(ctx, target);
  if (params.privileges.length > 0) {
    throw new ProviderError(`postgres ${ctx.resource}: mode existing grants role memberships only; move privileges into a role`, false);
  }
  try {
    await inTransaction(ctx.pool, async (client) => {
      await client.query(sql.LOCK_ROLE, [user]);
      if (!(await exists(client, user))) {
        throw new ProviderError(`postgres ${ctx.resource}: database user ${user} does not exist`, false);
      }
      for (const role of params.roles) await client.query(sql.grantMembership(role, user));
    });
    return { detail: { user, roles: params.roles } };
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'grant', ctx.secrets);
  }
}

export async function revokeExisting(ctx: ExistingContext, target: GrantTarget, params: PostgresGrant): Promise<RevokeOutcome> {
  const user = userFor(ctx, target);
  try {
    const oid = await inTransaction(ctx.pool, async (client) => {
      await client.query(sql.LOCK_ROLE, [user]);
      const found = await client.query<{ oid: string }>(sql.ROLE_OID, [user]);
      const userOid = found.rows[0]?.oid ?? null;
      if (userOid === null) return null;
      const memberOf = new Set((await client.query<{ rolname: string }>(sql.MEMBER_OF, [userOid])).rows.map((r) => r.rolname));
      for (const role of params.roles) if (memberOf.has(role)) await client.query(sql.revokeMembership(role, user));
      return userOid;
    });
    if (oid === null) return { detail: { user, existed: false } };
    const terminated = await ctx.pool.query(sql.TERMINATE_SESSIONS, [oid]);
    return { detail: { user, roles: params.roles, sessions_terminated: terminated.rowCount ?? 0 } };
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'revoke', ctx.secrets);
  }
}
