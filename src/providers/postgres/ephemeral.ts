/**
 * Mode ephemeral: each grant gets its own login role `accessbot_<grantId>` with a fresh password and
 * `VALID UNTIL <expiry>`, so PostgreSQL itself refuses the login after expiry even if the bot is down.
 */
import { ProviderError, type GrantOutcome, type GrantTarget } from '../types.ts';
import { toProviderError } from './errors.ts';
import { generatePassword, scramSha256Verifier } from './password.ts';
import { inTransaction } from './pool.ts';
import { escalationDetail, grantRoleName, ownRoleOid, refuseEscalation, type Escalation, requireRolesExist, type RoleContext } from './roles.ts';
import type { PostgresGrant, PostgresSettings } from './settings.ts';
import * as sql from './sql.ts';
import { credentialsFor, type ConnectTarget } from './target.ts';

export interface EphemeralContext extends RoleContext {
  settings: PostgresSettings;
  connectTo: ConnectTarget;
}

export async function grantEphemeral(ctx: EphemeralContext, target: GrantTarget, params: PostgresGrant): Promise<GrantOutcome> {
  const role = grantRoleName(ctx.resource, target.grantId);
  const password = generatePassword();
  const spec: sql.LoginSpec = {
    role,
    passwordVerifier: await scramSha256Verifier(password),
    validUntil: target.expiresAt,
    connectionLimit: ctx.settings.connection_limit,
  };
  try {
    let escalating: Escalation[] = [];
    const created = await inTransaction(ctx.pool, async (client) => {
      await client.query(sql.LOCK_ROLE, [role]);
      const exists = (await ownRoleOid(client, ctx.resource, role)) !== null;
      await requireRolesExist(client, ctx.resource, params.roles);
      escalating = await refuseEscalation(client, ctx.resource, params.roles, params.allow_escalation);
      await client.query(exists ? sql.alterLoginRole(spec) : sql.createLoginRole(spec));
      // Also over an existing role: one left "cleanup pending" by a revoke must count as held again.
      await client.query(sql.markRole(role, `login for grant ${target.grantId} (${target.requestId}) on resource ${ctx.resource}`));
      for (const member of params.roles) await client.query(sql.grantMembership(member, role));
      for (const privilege of params.privileges) await client.query(sql.grantPrivilege(privilege, role));
      return !exists;
    });
    return {
      credentials: credentialsFor(ctx.connectTo, role, password, target.expiresAt),
      detail: {
        user: role,
        created,
        roles: params.roles,
        privileges: params.privileges.length,
        valid_until: target.expiresAt.toISOString(),
        ...escalationDetail(escalating),
      },
    };
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'grant', [...ctx.secrets, password]);
  }
}

export async function extendEphemeral(ctx: EphemeralContext, target: GrantTarget): Promise<GrantOutcome> {
  const role = grantRoleName(ctx.resource, target.grantId);
  try {
    await inTransaction(ctx.pool, async (client) => {
      await client.query(sql.LOCK_ROLE, [role]);
      if ((await ownRoleOid(client, ctx.resource, role)) === null) {
        throw new ProviderError(`postgres ${ctx.resource}: the login ${role} no longer exists, so it cannot be extended`, false);
      }
      await client.query(sql.setValidUntil(role, target.expiresAt));
    });
    return { detail: { user: role, valid_until: target.expiresAt.toISOString() } };
  } catch (error) {
    throw toProviderError(error, ctx.resource, 'extend', ctx.secrets);
  }
}
