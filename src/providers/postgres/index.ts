/** PostgreSQL provider (driver `pg`): ephemeral login roles per grant, or memberships for existing users. */
import type { z } from 'zod';
import { ProviderError, type Provider, type ProviderDeps, type ProviderFactory } from '../types.ts';
import { extendEphemeral, grantEphemeral, revokeEphemeral, verifyEphemeral, type EphemeralContext } from './ephemeral.ts';
import { urlPassword } from './errors.ts';
import { grantExisting, revokeExisting, type ExistingContext } from './existing.ts';
import { createAdminPool } from './pool.ts';
import { postgresGrantSchema, postgresResourceSchema, type PostgresGrant, type PostgresSettings } from './settings.ts';
import { connectTarget } from './target.ts';

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

export function createPostgresProvider(resource: string, settings: PostgresSettings, deps: ProviderDeps): Provider {
  const pool = createAdminPool(resource, settings.url, settings.pool_max, deps);
  const adminPassword = urlPassword(settings.url);
  const secrets = [settings.url, ...(adminPassword ? [adminPassword] : [])];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await pool.end();
  };

  if (settings.mode === 'existing') {
    const users = new Map(Object.entries(settings.users ?? {}).map(([email, user]) => [email.toLowerCase(), user]));
    const ctx: ExistingContext = { resource, pool, users, secrets };
    return {
      kind: 'postgres',
      resource,
      grant: async (target) => grantExisting(ctx, target, readParams(resource, target.params)),
      revoke: async (target) => revokeExisting(ctx, target, readParams(resource, target.params)),
      // Nothing at the target carries the expiry in this mode: extending is the bot's business alone.
      extend: async () => ({}),
      close,
    };
  }

  const ctx: EphemeralContext = {
    resource,
    settings,
    pool,
    connectTo: connectTarget(settings),
    secrets,
    warn: (obj, msg) => deps.log.warn(obj, msg),
  };
  return {
    kind: 'postgres',
    resource,
    grant: async (target) => grantEphemeral(ctx, target, readParams(resource, target.params)),
    revoke: (target) => revokeEphemeral(ctx, target),
    extend: (target) => extendEphemeral(ctx, target),
    verify: () => verifyEphemeral(ctx),
    close,
  };
}

export const postgresProvider: ProviderFactory<PostgresSettings, PostgresGrant> = {
  kind: 'postgres',
  resourceSchema: postgresResourceSchema,
  grantSchema: postgresGrantSchema,
  create: createPostgresProvider,
};

export type PostgresResourceInput = z.input<typeof postgresResourceSchema>;
