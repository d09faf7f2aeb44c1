/**
 * `Action.Execute` clicks (the `adaptiveCard/action` invoke). The button carries the request id and where the
 * card lives, nothing else: the clicker is resolved, the core decides, and the answer is
 *  - on the shared approval card: the clicker's own view of it (Approve / Deny, Cancel, or read-only), with a
 *    line saying what their click did or why it was refused; deny first shows a reason field;
 *  - in the personal chat: a form (request, extend), the credentials, or a short message Teams shows the
 *    clicker, while the card they clicked is left for the delivery to update.
 * A redelivered invoke (same activity) does nothing again and is answered with the current view.
 */
import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, TurnContext } from 'botbuilder';
import { cancelRequest } from '../../../src/app/cancel.ts';
import { expediteRequest } from '../../../src/app/waiting.ts';
import { requestExtension } from '../../../src/app/extend.ts';
import { extensionRoom } from '../../../src/app/extension-room.ts';
import { mayReview } from '../../../src/app/may-review.ts';
import { loadRequestView, type RequestView } from '../../../src/app/request-view.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { showCredentials } from '../../../src/app/show-credentials.ts';
import { runAction } from '../../../src/app/run-action.ts';
import { runActionReply } from '../../../src/chat/messages/action-run.ts';
import {
  approvalCard,
  approvedAnswer,
  cancelledAnswer,
  expeditedAnswer,
  durationField,
  extensionAnswer,
  filedAnswer,
  FORM_WORDS,
  noRolesAnswer,
  plainText,
  requestFieldOf,
  requesterNotice,
  revokedAnswer,
  rich,
  staleButtonAnswer,
  type ChatMessage,
  type RichText,
} from '../../../src/chat/index.ts';
import { statusText } from '../../../src/chat/describe.ts';
import { AccessError, isAccessError } from '../../../src/domain/errors.ts';
import type { Person } from '../../../src/domain/identity.ts';
import { requestableRoles } from '../../../src/domain/request-rules.ts';
import type { ViewNote } from '../approval-views.ts';
import { TEAMS_DIALECT } from '../dialect.ts';
import { ADAPTIVE_CARD_CONTENT_TYPE, renderCard, type AdaptiveCard } from '../render/card.ts';
import { credentialsCard, denyForm, extendForm, noticeCard, requestForm, type FormProblem } from '../render/forms.ts';
import { FORM_INPUTS, FORM_VERBS, isVerb, type CardSurface, type Verb } from '../render/ids.ts';
import type { TeamsServices } from '../services.ts';
import { firstSighting, refusalText } from './common.ts';
import { asRequestId, parseRequestIdValue, type RequestId } from '../../../src/domain/request-id.ts';

const MESSAGE_CONTENT_TYPE = 'application/vnd.microsoft.activity.message';

const cardResponse = (value: AdaptiveCard): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: value as unknown as Record<string, unknown> });
const messageResponse = (text: RichText): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: MESSAGE_CONTENT_TYPE, value: plainText(text) as unknown as Record<string, unknown> });

const str = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

interface Click {
  verb: Verb;
  requestId: RequestId | null;
  surface: CardSurface;
  data: Record<string, unknown>;
  userId: string;
  /** False when Teams delivered this invoke before: answer, but do nothing again. */
  first: boolean;
  /** The click came from the clicker's personal chat with accessbot. */
  personalChat: boolean;
}

export async function handleExecute(s: TeamsServices, context: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
  const action = value?.action;
  const data = typeof action?.data === 'object' && action.data !== null ? (action.data as Record<string, unknown>) : {};
  if (!isVerb(action?.verb)) return messageResponse(staleButtonAnswer(TEAMS_DIALECT).summary);
  const click: Click = {
    verb: action.verb,
    requestId: parseRequestIdValue(data.requestId), // never trust more than the id from a button
    surface: data.surface === 'approval' ? 'approval' : 'personal',
    data,
    userId: context.activity.from?.aadObjectId ?? context.activity.from?.id ?? 'unknown',
    first: await firstSighting(s, context.activity),
    personalChat: context.activity.conversation?.conversationType === 'personal',
  };
  let person: Person | null = null;
  try {
    person = await s.directory.person(context);
    return await act(s, click, person);
  } catch (error) {
    const words = refusalText(s, error, { person, userId: click.userId, surface: 'command', requestId: click.requestId, what: `teams ${click.verb}` });
    if (click.surface === 'approval' && click.requestId !== null) {
      const view = await current(s, click.requestId);
      if (view) return cardResponse(await s.views.cardFor(view, person, { text: words, tone: 'attention' }));
    }
    return messageResponse(words);
  }
}

async function current(s: TeamsServices, requestId: RequestId): Promise<RequestView | null> {
  return loadRequestView(s.ctx.store, s.ctx.policy, requestId, s.ctx.clock.now());
}

async function requireView(s: TeamsServices, requestId: RequestId | null): Promise<RequestView> {
  const view = requestId === null ? null : await current(s, requestId);
  if (!view) throw new AccessError('not_found', plainText(staleButtonAnswer(TEAMS_DIALECT).summary));
  return view;
}

/** The answer to a click: on the approval card, the clicker's view with a line; elsewhere a short message. */
async function answer(s: TeamsServices, click: Click, person: Person, words: RichText): Promise<AdaptiveCardInvokeResponse> {
  if (click.surface === 'approval' && click.requestId !== null) {
    const view = await requireView(s, click.requestId);
    return cardResponse(await s.views.cardFor(view, person, { text: words, tone: 'good' } satisfies ViewNote));
  }
  return messageResponse(words);
}

async function act(s: TeamsServices, click: Click, person: Person): Promise<AdaptiveCardInvokeResponse> {
  const { requestId } = click;
  if (click.verb === 'open_request_form') return openRequestForm(s, person, click.userId);
  if (click.verb === FORM_VERBS.fileRequest) return fileRequest(s, click, person);
  if (requestId === null) return messageResponse(staleButtonAnswer(TEAMS_DIALECT).summary);
  if (!click.first) {
    // Teams delivered this click before: it took effect then; show where things stand now.
    const view = await requireView(s, requestId);
    return click.surface === 'approval' ? cardResponse(await s.views.cardFor(view, person)) : messageResponse(rich(`${view.ref}: `, statusText(view)));
  }
  switch (click.verb) {
    case FORM_VERBS.refresh: {
      const view = await requireView(s, requestId);
      return click.surface === 'approval' ? cardResponse(await s.views.cardFor(view, person)) : cardResponse(personalCard(s, view));
    }
    case 'approve': {
      const { outcome } = await review(s.ctx, { requestId, reviewer: person, decision: 'approve' });
      return answer(s, click, person, approvedAnswer(requestId, outcome).summary);
    }
    case 'deny': {
      // Checked before the form shows, so nobody writes a reason only to be refused.
      const view = await mayReview(s.ctx, { requestId, reviewer: person, decision: 'deny' });
      return cardResponse(denyForm(approvalCard(view, { now: s.ctx.clock.now(), dialect: TEAMS_DIALECT }), view, await s.views.refreshUsers(view)));
    }
    case FORM_VERBS.denyConfirm: {
      const reason = str(click.data[FORM_INPUTS.reason]);
      if (!reason) {
        const view = await mayReview(s.ctx, { requestId, reviewer: person, decision: 'deny' });
        return cardResponse(denyForm(approvalCard(view, { now: s.ctx.clock.now(), dialect: TEAMS_DIALECT }), view, await s.views.refreshUsers(view), { field: FORM_INPUTS.reason, text: FORM_WORDS.denyReason }));
      }
      const { view } = await review(s.ctx, { requestId, reviewer: person, decision: 'deny', note: reason });
      return cardResponse(await s.views.cardFor(view, person, { text: rich(`❌ You denied ${view.ref}.`), tone: 'good' }));
    }
    case 'cancel': {
      const view = await cancelRequest(s.ctx, { requestId, actor: person });
      return answer(s, click, person, cancelledAnswer(view).summary);
    }
    case 'expedite': {
      const view = await expediteRequest(s.ctx, { requestId: asRequestId(requestId), actor: person });
      return answer(s, click, person, expeditedAnswer(view).summary);
    }
    case 'revoke': {
      const view = await revokeAccess(s.ctx, { requestId, actor: person });
      return answer(s, click, person, revokedAnswer(view, null).summary);
    }
    case 'extend': {
      const room = await extensionRoom(s.ctx, { requestId, actor: person });
      return cardResponse(extendForm(room.view, room.maxExtraMs));
    }
    case FORM_VERBS.extendConfirm:
      return confirmExtension(s, click, person, requestId);
    case 'show_credentials': {
      // Credentials only ever go to the holder's personal chat, never as an answer in a channel or group chat.
      if (!click.personalChat) return messageResponse(rich('Credentials are shown only in your personal chat with accessbot: use Show credentials there.'));
      const shown = await showCredentials(s.ctx, { requestId, actor: person });
      // The answer replaces the card only for the holder, in their personal chat; the delivery replaces it
      // again (without the credentials) when the access ends.
      return cardResponse(credentialsCard(shown.view, shown.credentials));
    }
    case 'run_action': {
      // Teams has no confirm dialog: a `confirm: true` action's button answers with a card that asks first.
      const ran = await runAction(s.ctx, { actor: person, action: str(click.data.actionName), requestId, confirmed: click.data.confirmed === true });
      return cardResponse(renderCard(runActionReply(ran), { surface: click.surface }));
    }
  }
}

/** The requester's personal card about a request as it stands now (what a personal-chat Back shows). */
function personalCard(s: TeamsServices, view: RequestView): AdaptiveCard {
  const opts = { now: s.ctx.clock.now(), dialect: TEAMS_DIALECT };
  const message: ChatMessage | null =
    view.grant?.status === 'active' ? requesterNotice(view, { type: 'grant.changed', requestId: view.id, grantId: view.grant.id, event: 'active' }, opts) : null;
  return message ? renderCard(message, { surface: 'personal' }) : noticeCard({ summary: rich(view.ref), blocks: [{ type: 'paragraph', text: rich(`${view.ref}: `, statusText(view)) }] });
}

function openRequestForm(s: TeamsServices, person: Person, userId: string): AdaptiveCardInvokeResponse {
  const roles = requestableRoles(s.ctx.policy, person);
  if (roles.length === 0) return messageResponse(noRolesAnswer({ person, userId }, TEAMS_DIALECT).summary);
  return cardResponse(requestForm(roles));
}

/** The request form's submit: the request is filed and the form replaced by what happened, or shown again with the problem. */
async function fileRequest(s: TeamsServices, click: Click, person: Person): Promise<AdaptiveCardInvokeResponse> {
  const roles = requestableRoles(s.ctx.policy, person);
  if (roles.length === 0) return messageResponse(noRolesAnswer({ person, userId: click.userId }, TEAMS_DIALECT).summary);
  const values = {
    role: str(click.data[FORM_INPUTS.role]),
    duration: str(click.data[FORM_INPUTS.duration]),
    reason: str(click.data[FORM_INPUTS.reason]),
    ticket: str(click.data[FORM_INPUTS.ticket]),
    breakGlass: str(click.data[FORM_INPUTS.breakGlass]) === 'true',
  };
  const again = (problem: FormProblem) => cardResponse(requestForm(roles, values, problem));
  if (!click.first) return messageResponse(rich('Already sent: see the answer above.'));
  if (!values.role) return again({ field: FORM_INPUTS.role, text: FORM_WORDS.chooseRole });
  // An empty duration means the role's default.
  const duration = values.duration ? durationField(values.duration, 'how long you need it') : null;
  if (duration && 'problem' in duration) return again({ field: FORM_INPUTS.duration, text: duration.problem });
  try {
    const filed = await requestAccess(s.ctx, {
      roleName: values.role,
      requester: person,
      ...(duration ? { durationMs: duration.ms } : {}),
      reason: values.reason,
      ticket: values.ticket || null,
      breakGlass: values.breakGlass,
      origin: 'teams',
    });
    return cardResponse(noticeCard(filedAnswer(filed.view, filed.outcome, TEAMS_DIALECT)));
  } catch (error) {
    const words = refusalText(s, error, { person, userId: click.userId, surface: 'form', what: 'request form' });
    const field = requestFieldOf(isAccessError(error) ? error : null, values.breakGlass);
    return again({ field: field === 'break_glass' ? FORM_INPUTS.breakGlass : FORM_INPUTS[field], text: plainText(words) });
  }
}

async function confirmExtension(s: TeamsServices, click: Click, person: Person, requestId: RequestId): Promise<AdaptiveCardInvokeResponse> {
  const values = { duration: str(click.data[FORM_INPUTS.duration]), reason: str(click.data[FORM_INPUTS.reason]) };
  const room = await extensionRoom(s.ctx, { requestId, actor: person });
  const duration = durationField(values.duration, 'how much longer');
  if ('problem' in duration) return cardResponse(extendForm(room.view, room.maxExtraMs, { field: FORM_INPUTS.duration, text: duration.problem }, values));
  try {
    const result = await requestExtension(s.ctx, { requestId, actor: person, durationMs: duration.ms, reason: values.reason || null, origin: 'teams' });
    return cardResponse(noticeCard(extensionAnswer(result.view, result.autoApproved, TEAMS_DIALECT)));
  } catch (error) {
    const words = refusalText(s, error, { person, userId: click.userId, surface: 'form', requestId, what: 'extend form' });
    return cardResponse(extendForm(room.view, room.maxExtraMs, { field: FORM_INPUTS.duration, text: plainText(words) }, values));
  }
}
