/**
 * Show a grant's credentials to its holder while the access is active: the holder check, then the sealed
 * credentials opened with the secret key, bound to this grant (its id, its request, its holder): credentials
 * sealed for another grant do not open here. The caller shows them only privately (never in a message that
 * stays in history) and never logs them.
 */
import { AccessError } from '../domain/errors.ts';
import type { Person } from '../domain/identity.ts';
import { isUnboundSeal, openCredentials, sealCredentials, type CredentialBinding } from '../providers/credential-seal.ts';
import type { AppContext } from './context.ts';
import { heldAccess } from './held-access.ts';
import type { RequestView } from './request-view.ts';
import type { RequestId } from '../domain/request-id.ts';

export interface ShownCredentials {
  view: RequestView;
  credentials: Record<string, string>;
}

export async function showCredentials(ctx: AppContext, input: { requestId: RequestId; actor: Person }): Promise<ShownCredentials> {
  const view = await heldAccess(ctx, input.requestId, input.actor, 'credentials');
  const grant = await ctx.store.grantOfRequest(input.requestId);
  const sealed = grant?.credentials;
  if (!grant || !sealed) throw new AccessError('not_found', `${view.ref} has no credentials to show.`);
  if (!ctx.secretKey) throw new Error('credentials are stored but ACCESSBOT_SECRET_KEY is not set');
  const { email, slackId, teamsId } = view.requester;
  const binding: CredentialBinding = { grantId: grant.id, requestId: grant.requestId, holder: { email, slackId, teamsId } };
  const credentials = openCredentials(ctx.secretKey, sealed, binding);
  ctx.log.info({ requestId: input.requestId, grantId: grant.id }, 'credentials opened for their holder');
  if (isUnboundSeal(sealed)) await resealBound(ctx, grant.id, sealed, sealCredentials(ctx.secretKey, credentials, binding));
  return { view, credentials };
}

/** A row sealed before credentials were bound to their grant is sealed again, bound, while the access is active. */
async function resealBound(ctx: AppContext, grantId: string, old: string, bound: string): Promise<void> {
  try {
    const done = await ctx.store.tx(async (uow) => {
      const row = await uow.getGrant(grantId);
      if (row?.status !== 'active' || row.credentials !== old) return false;
      return (await uow.updateGrant(grantId, { status: 'active' }, { credentials: bound })) !== null;
    });
    if (done) ctx.log.info({ grantId }, 'credentials sealed before binding were re-sealed bound to their grant');
  } catch (error) {
    // The holder still sees them; the next showing tries again.
    ctx.log.warn({ grantId, err: error instanceof Error ? error.message : String(error) }, 're-sealing credentials failed');
  }
}
