/**
 * The forms Teams shows as Adaptive Cards, in the personal chat or as one person's view of the approval card:
 * request access (only roles this person may request), deny with a reason, and extend. What was typed comes
 * back merged into the submit action's data; a refusal is shown above the field it concerns, with the form
 * filled in as it was.
 */
import { formatDuration } from '../../../src/domain/duration.ts';
import { cut, ticketRequired, type ChatMessage, type RoleChoice } from '../../../src/chat/index.ts';
import type { RequestView } from '../../../src/app/request-view.ts';
import { card, executeAction, renderBody, TextRenderer, textBlock, type AdaptiveCard, type CardElement } from './card.ts';
import { FORM_INPUTS, FORM_VERBS } from './ids.ts';
import { escapeMarkdown } from './markdown.ts';

/** What the request form shows again after a refusal. */
export interface RequestFormValues {
  role?: string;
  duration?: string;
  reason?: string;
  ticket?: string;
  breakGlass?: boolean;
}

export interface FormProblem {
  /** The input the problem is about (shown above it). */
  field: string;
  text: string;
}

const problemBlock = (problem: FormProblem): CardElement => textBlock(`⚠️ ${cut(problem.text, 1000)}`, { color: 'Attention', weight: 'Bolder', id: `problem_${problem.field}` });

/** The input, with the problem above it when there is one for it. */
function field(input: CardElement, problem: FormProblem | null): CardElement[] {
  return problem && problem.field === input.id ? [problemBlock(problem), input] : [input];
}

function roleTitle(role: RoleChoice): string {
  const facts = [`up to ${formatDuration(role.maxDurationMs)}`];
  if (role.autoApprove) facts.push(`auto-approved up to ${formatDuration(role.autoApprove.maxDurationMs)}`);
  if (ticketRequired(role)) facts.push('ticket required');
  return cut(`${role.name}${role.description ? ` — ${role.description}` : ''} (${facts.join(', ')})`, 200);
}

export function requestForm(roles: readonly RoleChoice[], values: RequestFormValues = {}, problem: FormProblem | null = null): AdaptiveCard {
  const text = new TextRenderer();
  const chosen = roles.find((r) => r.name === values.role) ?? roles[0];
  const breakGlass = roles.some((r) => r.breakGlass);
  const body: CardElement[] = [
    textBlock('🔑 Request temporary access', { size: 'Medium', weight: 'Bolder' }),
    ...(problem && !['role', 'duration', 'reason', 'ticket', 'break_glass'].includes(problem.field) ? [problemBlock(problem)] : []),
    ...field(
      { type: 'Input.ChoiceSet', id: FORM_INPUTS.role, label: 'Role', style: 'compact', isRequired: true, errorMessage: 'Choose a role.', ...(chosen ? { value: chosen.name } : {}), choices: roles.map((r) => ({ title: roleTitle(r), value: r.name })) },
      problem,
    ),
    ...field(
      {
        type: 'Input.Text',
        id: FORM_INPUTS.duration,
        label: 'Duration',
        placeholder: `e.g. 30m, 2h, 1h30m${chosen ? ` (default ${formatDuration(chosen.defaultDurationMs)})` : ''}`,
        maxLength: 20,
        ...(values.duration ? { value: values.duration } : {}),
      },
      problem,
    ),
    ...field({ type: 'Input.Text', id: FORM_INPUTS.reason, label: 'Reason', isMultiline: true, isRequired: true, errorMessage: 'Say why you need access.', maxLength: 2000, placeholder: 'What you will do, e.g. checking INC-123', ...(values.reason ? { value: values.reason } : {}) }, problem),
    ...field({ type: 'Input.Text', id: FORM_INPUTS.ticket, label: 'Ticket (if the role needs one)', maxLength: 200, ...(values.ticket ? { value: values.ticket } : {}) }, problem),
    ...(breakGlass
      ? field({ type: 'Input.Toggle', id: FORM_INPUTS.breakGlass, title: 'Break-glass: activate now without approval (flagged for review)', value: values.breakGlass ? 'true' : 'false', valueOn: 'true', valueOff: 'false' }, problem)
      : []),
  ];
  return card(body, text, { actions: [{ ...executeAction('Request access', FORM_VERBS.fileRequest, { surface: 'personal' }, 'positive'), associatedInputs: 'auto' }] });
}

/** A card that just says something (the answer replacing a submitted form, or a refusal). */
export function noticeCard(message: ChatMessage): AdaptiveCard {
  const text = new TextRenderer();
  const body = renderBody(message.blocks, text, 'personal');
  return card(body.length ? body : [textBlock(text.markdown(message.summary))], text);
}

/** The deny form: the approval card as the approver sees it, a reason field, and Deny request / Back. */
export function denyForm(approvalCard: ChatMessage, view: RequestView, refreshUsers: readonly string[], problem: FormProblem | null = null, reason = ''): AdaptiveCard {
  const text = new TextRenderer();
  const body = [
    ...renderBody(approvalCard.blocks.filter((b) => b.type !== 'buttons'), text, 'approval'),
    ...field({ type: 'Input.Text', id: FORM_INPUTS.reason, label: 'Why deny? The requester will read this.', isMultiline: true, isRequired: true, errorMessage: 'Say why, so the requester knows what to change.', maxLength: 1000, ...(reason ? { value: reason } : {}) }, problem),
  ];
  const data = { requestId: view.id, surface: 'approval' };
  return card(body, text, {
    actions: [{ ...executeAction('Deny request', FORM_VERBS.denyConfirm, data, 'destructive'), associatedInputs: 'auto' }, { ...executeAction('Back', FORM_VERBS.refresh, data), associatedInputs: 'none' }],
    ...(refreshUsers.length ? { refresh: { action: executeAction('Refresh', FORM_VERBS.refresh, data), userIds: [...refreshUsers] } } : {}),
  });
}

/** The extend form: how much longer (up to what the role still allows) and why. */
export function extendForm(view: RequestView, maxExtraMs: number, problem: FormProblem | null = null, values: { duration?: string; reason?: string } = {}): AdaptiveCard {
  const text = new TextRenderer();
  const until = view.grant ? text.markdown([{ type: 'date', at: view.grant.expiresAt, timezone: view.timezone }]) : null;
  const body: CardElement[] = [
    textBlock(`⏩ Extend ${view.ref} · ${cut(view.role, 100)}`, { size: 'Medium', weight: 'Bolder' }),
    ...(until ? [textBlock(`Your access ends ${until}. You may ask for up to ${formatDuration(maxExtraMs)} more; an approver must agree.`, { isSubtle: true })] : []),
    ...field({ type: 'Input.Text', id: FORM_INPUTS.duration, label: 'How much longer', placeholder: 'e.g. 30m', isRequired: true, errorMessage: 'Say how much longer, e.g. 30m.', maxLength: 20, ...(values.duration ? { value: values.duration } : {}) }, problem),
    ...field({ type: 'Input.Text', id: FORM_INPUTS.reason, label: 'Why (optional)', isMultiline: true, maxLength: 2000, ...(values.reason ? { value: values.reason } : {}) }, problem),
  ];
  return card(body, text, { actions: [{ ...executeAction('Ask to extend', FORM_VERBS.extendConfirm, { requestId: view.id, surface: 'personal' }, 'positive'), associatedInputs: 'auto' }] });
}

/** Credentials, shown only to their holder in the personal chat, while the access is active. */
export function credentialsCard(view: RequestView, credentials: Record<string, string>): AdaptiveCard {
  const text = new TextRenderer();
  return card(
    [
      textBlock(`🔐 Credentials for ${view.ref} · ${cut(view.role, 100)}`, { size: 'Medium', weight: 'Bolder' }),
      { type: 'FactSet', facts: Object.entries(credentials).map(([key, value]) => ({ title: cut(key, 100), value: escapeMarkdown(cut(value, 1000)) })) },
      textBlock('Shown only to you. accessbot replaces this card when the access ends; do not copy these anywhere they would outlive it.', { isSubtle: true, size: 'Small' }),
    ],
    text,
  );
}
