/**
 * Show a grant's credentials to its holder while the access is active: the holder check, then the sealed
 * credentials opened with the secret key. The caller shows them only privately (never in a message that stays
 * in history) and never logs them.
 */
import { AccessError } from '../domain/errors.ts';
import type { Person } from '../domain/identity.ts';
import { openCredentials } from '../providers/credential-seal.ts';
import type { AppContext } from './context.ts';
import { heldAccess } from './held-access.ts';
import type { RequestView } from './request-view.ts';

export interface ShownCredentials {
  view: RequestView;
  credentials: Record<string, string>;
}

export async function showCredentials(ctx: AppContext, input: { requestId: number; actor: Person }): Promise<ShownCredentials> {
  const view = await heldAccess(ctx, input.requestId, input.actor, 'credentials');
  const sealed = (await ctx.store.grantOfRequest(input.requestId))?.credentials;
  if (!sealed) throw new AccessError('not_found', `${view.ref} has no credentials to show.`);
  if (!ctx.secretKey) throw new Error('credentials are stored but ACCESSBOT_SECRET_KEY is not set');
  const credentials = openCredentials(ctx.secretKey, sealed);
  ctx.log.info({ requestId: input.requestId, grantId: view.grant.id }, 'credentials opened for their holder');
  return { view, credentials };
}
