/** PostgreSQL provider (driver `pg`): ephemeral login roles per grant, or memberships for existing users. */
import type { z } from 'zod';
import { emptyActivity } from '../../domain/activity.ts';
import { ProviderError, type Provider, type ProviderDeps, type ProviderFactory } from '../types.ts';
import { extendEphemeral, grantEphemeral, type EphemeralContext } from './ephemeral.ts';
import { scrub, urlPassword } from './errors.ts';
import { grantExisting, type ExistingContext } from './existing.ts';
import { createAdminPool } from './pool.ts';
import { checkGrantRoles, grantRoleName, listGrantRoles, revokeGrantRole, sampleGrantRole, type RoleContext } from './roles.ts';
import { postgresGrantSchema, postgresResourceSchema, type PostgresGrant, type PostgresSettings } from './settings.ts';
import { connectTarget } from './target.ts';

const EXISTING_MODE_ACTIVITY = "activity not recorded: mode existing grants a role to the person's own login, whose sessions and statements are not this grant's alone";

export { postgresGrantSchema, postgresResourceSchema, type PostgresGrant, type PostgresSettings } from './settings.ts';

function readParams(resource: string, params: Record<string, unknown>): PostgresGrant {
  const parsed = postgresGrantSchema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `grant.${issue.path.join('.')}: ` : '';
    throw new ProviderError(`postgres ${resource}: bad grant parameters (${where}${issue?.message ?? 'invalid'})`, false);
  }
  return parsed.data;
}

export interface PostgresProvider extends Provider {
  /**
   * What a grant with these `grant:` parameters would be refused for at the target now — bad parameters,
   * `roles` that do not exist, roles through which the holder could outlast the revoke (unless
   * `allow_escalation`) — as plain sentences, [] when none; changes nothing. For `policy check` and start-up;
   * the grant itself checks again. Throws a retryable ProviderError when the target cannot be reached.
   */
  checkGrant(params: Record<string, unknown>): Promise<string[]>;
}

export function createPostgresProvider(resource: string, settings: PostgresSettings, deps: ProviderDeps): PostgresProvider {
  const adminPassword = urlPassword(settings.url);
  const secrets = [settings.url, ...(adminPassword ? [adminPassword] : [])];
  const pool = createAdminPool(resource, settings.url, settings.pool_max, deps, (text) => scrub(text, secrets));
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await pool.end();
  };
  const roles: RoleContext = { resource, pool, secrets, warn: (obj, msg) => deps.log.warn(obj, msg) };
  // Both modes keep one marked `accessbot_<grantId>` role per grant, so revoke and verify are the same, and a
  // revoke needs neither the grant parameters nor the user mapping (reconciliation revokes orphans without them).
  const common = {
    kind: 'postgres',
    resource,
    // Mode ephemeral: the login is the grant's own, so what it did is read before it is dropped. Mode existing:
    // the holder works under their own login, whose activity is not the grant's alone (see README).
    revoke: async (target: { grantId: string }) =>
      settings.mode === 'existing'
        ? { ...(await revokeGrantRole(roles, grantRoleName(resource, target.grantId))), activity: { ...emptyActivity('postgres'), statementsUnavailable: EXISTING_MODE_ACTIVITY } }
        : revokeGrantRole(roles, grantRoleName(resource, target.grantId), 'login'),
    activity: async (target: { grantId: string }) =>
      settings.mode === 'existing' ? { ...emptyActivity('postgres'), statementsUnavailable: EXISTING_MODE_ACTIVITY } : sampleGrantRole(roles, grantRoleName(resource, target.grantId)),
    verify: () => listGrantRoles(roles),
    checkGrant: async (params: Record<string, unknown>) => {
      let grant: PostgresGrant;
      try {
        grant = readParams(resource, params);
      } catch (error) {
        return [(error as Error).message];
      }
      const problems =
        settings.mode === 'existing' && grant.privileges.length > 0 ? [`postgres ${resource}: mode existing grants role memberships only; move privileges into a role`] : [];
      return [...problems, ...(await checkGrantRoles(roles, grant.roles, grant.allow_escalation))];
    },
    close,
  };

  if (settings.mode === 'existing') {
    const users = new Map(Object.entries(settings.users ?? {}).map(([email, user]) => [email.toLowerCase(), user]));
    const ctx: ExistingContext = { ...roles, users };
    return {
      ...common,
      grant: async (target) => grantExisting(ctx, target, readParams(resource, target.params)),
      // Nothing at the target carries the expiry in this mode: extending is the bot's business alone.
      extend: async () => ({}),
    };
  }

  const ctx: EphemeralContext = { ...roles, settings, connectTo: connectTarget(settings) };
  return {
    ...common,
    grant: async (target) => grantEphemeral(ctx, target, readParams(resource, target.params)),
    extend: (target) => extendEphemeral(ctx, target),
  };
}

export const postgresProvider: ProviderFactory<PostgresSettings, PostgresGrant> = {
  kind: 'postgres',
  resourceSchema: postgresResourceSchema,
  grantSchema: postgresGrantSchema,
  create: createPostgresProvider,
};

export type PostgresResourceInput = z.input<typeof postgresResourceSchema>;
