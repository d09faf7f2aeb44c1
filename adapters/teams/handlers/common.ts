/**
 * What every handler does the same way: drop an activity Teams delivered twice, resolve who acted, and turn
 * any refusal into words for them (the chat layer phrases the core's; anything else is logged and answered
 * with a short apology, never with internals).
 */
import type { Activity } from 'botbuilder';
import { refusalOf, rich, SOMETHING_WENT_WRONG, type RichText, type Surface } from '../../../src/chat/index.ts';
import { isAccessError } from '../../../src/domain/errors.ts';
import type { Person } from '../../../src/domain/identity.ts';
import { conversationOf } from '../conversations.ts';
import { TEAMS_DIALECT } from '../dialect.ts';
import type { TeamsServices } from '../services.ts';
import type { RequestId } from '../../../src/domain/request-id.ts';

/** True the first time this activity is seen (on any replica); when the store cannot say, it is handled. */
export async function firstSighting(s: TeamsServices, activity: Partial<Activity>): Promise<boolean> {
  if (!activity.id) return true;
  const id = `${conversationOf(activity.conversation?.id ?? '')}:${activity.id}`;
  try {
    return await s.seen.firstSighting(id);
  } catch (error) {
    s.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not check for a duplicate Teams delivery; handling it');
    return true;
  }
}

export interface RefusalInput {
  person: Person | null;
  /** The person's Entra ID object id (what the policy names as teams:…), when Teams gave it. */
  userId: string;
  surface: Surface;
  requestId?: RequestId | null;
  /** What the person was doing, for the log. */
  what: string;
}

/** The words for any error thrown while acting for someone. */
export function refusalText(s: TeamsServices, error: unknown, input: RefusalInput): RichText {
  if (isAccessError(error)) {
    return refusalOf(error, { dialect: TEAMS_DIALECT, policy: s.ctx.policy, person: input.person, userId: input.userId, surface: input.surface, requestId: input.requestId ?? null });
  }
  s.log.error({ err: error instanceof Error ? error.message : String(error), what: input.what }, 'teams handler failed');
  return rich(SOMETHING_WENT_WRONG);
}
