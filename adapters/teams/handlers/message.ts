/**
 * Words typed to accessbot in a personal chat: `request-access …`, `access …` and `help`, read by the chat
 * layer's grammar (the same as Slack's slash commands). `request-access` alone answers with the request form
 * as an Adaptive Card. Every answer goes to the person in the same chat; a message in a channel or group chat
 * gets a pointer to the personal chat instead (commands and refusals are private).
 */
import { runAction } from '../../../src/app/run-action.ts';
import { runActionReply } from '../../../src/chat/messages/action-run.ts';
import { TurnContext } from 'botbuilder';
import { cancelRequest } from '../../../src/app/cancel.ts';
import { expediteRequest } from '../../../src/app/waiting.ts';
import { requestExtension } from '../../../src/app/extend.ts';
import { listAwaitingReview, listMyAccess } from '../../../src/app/list-access.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import {
  awaitingReviewAnswer,
  cancelledAnswer,
  expeditedAnswer,
  command,
  describeProblem,
  extensionAnswer,
  filedAnswer,
  helpMessage,
  myAccessAnswer,
  noRolesAnswer,
  notAnApproverAnswer,
  parseMessage,
  plainAnswer,
  revokedAnswer,
  rich,
  fileParsedRequest,
  helpAnswer,
  whoYouAre,
  type AccessCommand,
  type ChatMessage,
  type RequestAccessCommand,
} from '../../../src/chat/index.ts';
import { samePerson, type Person } from '../../../src/domain/identity.ts';
import { requestableRoles } from '../../../src/domain/request-rules.ts';
import { ANSWER_ITEMS_PER_LIST, TEAMS_DIALECT } from '../dialect.ts';
import { renderAnswer, textActivity, cardActivity } from '../render/card.ts';
import { requestForm } from '../render/forms.ts';
import type { TeamsServices } from '../services.ts';
import { firstSighting, refusalText } from './common.ts';
import { mayEverApprove } from '../../../src/domain/waiting.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

const LISTS = { dialect: TEAMS_DIALECT, itemsPerList: ANSWER_ITEMS_PER_LIST };

/** What to send back: a chat-layer message, or a ready card (the request form). */
type Answer = ChatMessage | { card: ReturnType<typeof requestForm>; summary: string };

/** The words typed, without the bot's @mention and the markup Teams may wrap them in. */
export function typedText(context: TurnContext): string {
  const text = TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '';
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();
}

export async function handleMessage(s: TeamsServices, context: TurnContext): Promise<void> {
  const activity = context.activity;
  if (!(await firstSighting(s, activity))) {
    s.log.info({ activity: activity.id }, 'duplicate Teams delivery ignored');
    return;
  }
  if (activity.conversation?.conversationType !== 'personal') {
    await context.sendActivity(
      textActivity(rich('I take commands in a personal chat, so only you see the answers: open accessbot in Teams (Apps → accessbot → Add, then Open) and type ', command(TEAMS_DIALECT, 'help'), '.')),
    );
    return;
  }
  const parsed = parseMessage(typedText(context));
  const problem = 'kind' in parsed ? parsed.problem : parsed.command !== 'help' && parsed.parsed.kind === 'invalid' ? parsed.parsed.problem : null;
  if (problem || 'kind' in parsed) {
    if (problem) await context.sendActivity(textActivity(describeProblem(problem, TEAMS_DIALECT)));
    return;
  }
  const requestId = parsed.command === 'access' && 'requestId' in parsed.parsed ? parsed.parsed.requestId : null;
  const userId = activity.from?.aadObjectId ?? activity.from?.id ?? 'unknown';
  let person: Person | null = null;
  let answer: Answer;
  try {
    person = await s.directory.person(context);
    const who = person;
    answer =
      parsed.command === 'help'
        ? help(s, who, userId)
        : parsed.command === 'request-access'
          ? await requestAccessCommand(s, who, userId, parsed.parsed as Exclude<RequestAccessCommand, { kind: 'invalid' }>)
          : await accessCommand(s, who, parsed.parsed as Exclude<AccessCommand, { kind: 'invalid' }>);
  } catch (error) {
    answer = plainAnswer(refusalText(s, error, { person, userId, surface: 'command', requestId, what: parsed.command }));
  }
  await context.sendActivity('card' in answer ? cardActivity(answer.card, rich(answer.summary)) : renderAnswer(answer));
}

function help(s: TeamsServices, person: Person, userId: string): ChatMessage {
  const roles = requestableRoles(s.ctx.policy, person);
  const input = { roles, minDurationMs: s.ctx.policy.minDurationMs, dialect: TEAMS_DIALECT };
  const both = rich(helpMessage({ ...input, command: 'access' }), '\n\n', helpMessage({ ...input, command: 'request-access' }));
  return plainAnswer(roles.length === 0 ? rich(both, `\n${whoYouAre(person, userId, TEAMS_DIALECT)}`) : both);
}

async function requestAccessCommand(s: TeamsServices, person: Person, userId: string, parsed: Exclude<RequestAccessCommand, { kind: 'invalid' }>): Promise<Answer> {
  switch (parsed.kind) {
    case 'open_form': {
      const roles = requestableRoles(s.ctx.policy, person);
      if (roles.length === 0) return noRolesAnswer({ person, userId }, TEAMS_DIALECT);
      return { card: requestForm(roles, parsed.role ? { role: parsed.role } : {}), summary: 'Request temporary access' };
    }
    case 'help':
      return helpAnswer({ command: 'request-access', roles: requestableRoles(s.ctx.policy, person), minDurationMs: s.ctx.policy.minDurationMs, dialect: TEAMS_DIALECT }, { person, userId });
    case 'file': {
      const filed = await fileParsedRequest(s.ctx, parsed, person, 'teams');
      return filedAnswer(filed.view, filed.outcome, TEAMS_DIALECT);
    }
  }
}

async function accessCommand(s: TeamsServices, person: Person, parsed: Exclude<AccessCommand, { kind: 'invalid' }>): Promise<ChatMessage> {
  switch (parsed.kind) {
    case 'list':
      return myAccessAnswer(await listMyAccess(s.ctx, person), LISTS);
    case 'pending': {
      const approves = Object.values(s.ctx.policy.roles).some((role) => mayEverApprove(role, person));
      return approves ? awaitingReviewAnswer(await listAwaitingReview(s.ctx, person), LISTS) : notAnApproverAnswer();
    }
    case 'help':
      return helpAnswer({ command: 'access', roles: requestableRoles(s.ctx.policy, person), minDurationMs: s.ctx.policy.minDurationMs, dialect: TEAMS_DIALECT });
    case 'revoke': {
      const view = await revokeAccess(s.ctx, { requestId: parsed.requestId, actor: person, reason: parsed.reason });
      return revokedAnswer(view, samePerson(view.requester, person) ? 'holder' : 'someone else');
    }
    case 'cancel':
      return cancelledAnswer(await cancelRequest(s.ctx, { requestId: parsed.requestId, actor: person }));
    case 'extend': {
      const result = await requestExtension(s.ctx, { requestId: parsed.requestId, actor: person, durationMs: parsed.durationMs, reason: parsed.reason, origin: 'teams' });
      return extensionAnswer(result.view, result.autoApproved, TEAMS_DIALECT);
    }
    case 'expedite':
      return expeditedAnswer(await expediteRequest(s.ctx, { requestId: asRequestId(parsed.requestId), actor: person, note: parsed.reason }));
    case 'run':
      return runActionReply(await runAction(s.ctx, { actor: person, action: parsed.action, requestId: parsed.requestId, confirmed: false }));
  }
}
