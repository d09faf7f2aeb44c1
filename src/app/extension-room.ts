/** Before the holder fills in an extension form: is there room left under the role's maximum, and how much. */
import { AccessError } from '../domain/errors.ts';
import { formatDuration } from '../domain/duration.ts';
import { extensionRoomMs } from '../domain/grant-rules.ts';
import type { Person } from '../domain/identity.ts';
import { roleNamed } from '../domain/policy.ts';
import type { AppContext } from './context.ts';
import { heldAccess } from './held-access.ts';
import type { RequestView } from './request-view.ts';
import type { RequestId } from '../domain/request-id.ts';

export interface ExtensionRoom {
  view: RequestView;
  /** How much longer the role's maximum allows (always > 0). */
  maxExtraMs: number;
}

/** Throws, with words for the holder, when they may not extend or the access already lasts the longest allowed. */
export async function extensionRoom(ctx: AppContext, input: { requestId: RequestId; actor: Person }): Promise<ExtensionRoom> {
  const view = await heldAccess(ctx, input.requestId, input.actor, 'extend');
  const role = roleNamed(ctx.policy, view.role);
  if (!role) throw new AccessError('not_allowed', `The role "${view.role}" is no longer in the policy.`);
  const maxExtraMs = extensionRoomMs(role, view.grant);
  if (maxExtraMs <= 0) {
    throw new AccessError('extend_too_long', `${view.ref} already lasts the longest "${view.role}" allows (${formatDuration(role.maxDurationMs)}); file a new request when it ends.`);
  }
  return { view, maxExtraMs };
}
