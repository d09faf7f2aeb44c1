/**
 * Mode existing: people keep their own database users (mapped by email in `users`). A grant creates a
 * login-less role `accessbot_<grantId>` holding the grant's memberships and makes the user a member of it; the
 * revoke drops that role (see roles.ts) and ends the user's open sessions (a session that ran SET ROLE would
 * otherwise keep the role). So a revoke never removes a membership the user had before, or one that another
 * live grant gave. The target cannot enforce the expiry here, so it relies on the bot's revoke.
 */
import type pg from 'pg';
import { ProviderError, type GrantOutcome, type GrantTarget } from '../types.ts';
import { toProviderError } from './errors.ts';
import { inTransaction } from './pool.ts';
import { escalationDetail, grantRoleName, ownRoleOid, refuseEscalation, type Escalation, requireRolesExist, type RoleContext } from './roles.ts';
import type { PostgresGrant } from './settings.ts';
import * as sql from './sql.ts';

export interface ExistingContext extends RoleContext {
  /** Lower-cased email → database user. */
  users: ReadonlyMap<string, string>;
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

async function requireGrantableUser(client: pg.PoolClient, resource: string, user: string): Promise<void> {
  const row = (await client.query<{ superuser: boolean; is_admin: boolean }>(sql.USER_STATE, [user])).rows[0];
  if (!row) throw new ProviderError(`postgres ${resource}: database user ${JSON.stringify(user)} does not exist`, false, { user });
  if (row.superuser || row.is_admin) {
    throw new ProviderError(
      `postgres ${resource}: database user ${JSON.stringify(user)} is ${row.is_admin ? "accessbot's own admin" : 'a superuser'}; map people to ordinary users`,
      false,
      { user },
    );
  }
}

export async function grantExisting(ctx: ExistingContext, target: GrantTarget, params: PostgresGrant): Promise<GrantOutcome> {
  const user = userFor(ctx, target);
  if (params.privileges.length > 0) {
    throw new ProviderError(`postgres ${ctx.resource}: mode existing grants role memberships only; move privileges into a role`, false);
  }
  const role = grantRoleName(ctx.resource, target.grantId);
  try {
    let escalating: Escalation[] = [];
    const created = await inTransaction(ctx.pool, async (client) => {
      await client.query(sql.LOCK_ROLE, [role]);
      const exists = (await ownRoleOid(client, ctx.resource, role)) !== null;
      await requireGrantableUser(client, ctx.resource, user);
      await requireRolesExist(client, ctx.resource, params.roles);
      escalating = await refuseEscalation(client, ctx.resource, params.roles, params.allow_escalation);
      if (!exists) await client.query(sql.createGroupRole(role));
      // Also over an existing role: one left "cleanup pending" by a revoke must count as held again.
      await client.query(sql.markRole(role, `memberships of ${user} for grant ${target.grantId} (${target.requestId}) on resource ${ctx.resource}`));
      for (const member of params.roles) await client.query(sql.grantMembership(member, role));
      await client.query(sql.grantMembership(role, user));
      return !exists;
    });
    return { detail: { user, via: role, created, roles: params.roles, ...escalationDetail(escalating) } };
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'grant', ctx.secrets);
  }
}
