/**
 * The app added to (or removed from) a team or a person: the conversation reference is stored (or the personal
 * chat forgotten), and a person who just added accessbot is greeted with what they can type.
 */
import type { TurnContext } from 'botbuilder';
import { command, rich } from '../../../src/chat/index.ts';
import { TEAMS_DIALECT } from '../dialect.ts';
import { textActivity } from '../render/card.ts';
import type { TeamsServices } from '../services.ts';
import { firstSighting } from './common.ts';

export const WELCOME = rich(
  '👋 I am accessbot: I hand out temporary production access, with approval and an audit trail. Type ',
  command(TEAMS_DIALECT, 'request-access'),
  ' to ask for access, ',
  command(TEAMS_DIALECT, 'access'),
  ' to see yours, or ',
  command(TEAMS_DIALECT, 'help'),
  ' for everything else.',
);

export async function handleInstalled(s: TeamsServices, context: TurnContext): Promise<void> {
  // The reference was captured already (every activity is); greet a person once.
  if (context.activity.conversation?.conversationType !== 'personal' || !(await firstSighting(s, context.activity))) return;
  await context.sendActivity(textActivity(WELCOME));
}

export async function handleRemoved(s: TeamsServices, context: TurnContext): Promise<void> {
  await s.conversations.forget(context.activity);
  s.log.info({ conversation: context.activity.conversation?.conversationType }, 'accessbot was removed from a Teams conversation');
}
