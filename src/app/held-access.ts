/** Load a request's access for its holder, checked: theirs, and active now (shared by credentials and extension room). */
import { AccessError } from '../domain/errors.ts';
import { checkHeldAndActive, type HolderPurpose } from '../domain/holder-rules.ts';
import type { Person } from '../domain/identity.ts';
import type { AppContext } from './context.ts';
import { loadRequestView, type RequestView } from './request-view.ts';
import { type RequestId, requestRef } from '../domain/request-id.ts';

export async function heldAccess(ctx: AppContext, requestId: RequestId, actor: Person, purpose: HolderPurpose): Promise<RequestView & { grant: NonNullable<RequestView['grant']> }> {
  const now = ctx.clock.now();
  const view = await loadRequestView(ctx.store, ctx.policy, requestId, now);
  if (!view) throw new AccessError('not_found', `There is no request ${requestRef(requestId)}.`);
  checkHeldAndActive({ ref: view.ref, holder: view.requester, requestStatus: view.status, grant: view.grant }, actor, purpose, now);
  return view as RequestView & { grant: NonNullable<RequestView['grant']> };
}
