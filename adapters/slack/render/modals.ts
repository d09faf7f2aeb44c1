/** Modals: the request form, deny with a reason, extend, and the private credentials view. */
import { at, roleOnResource, ticketRequired, NO_ROLES, type RoleChoice, joinAnd, mention, oneLine, plainText, quote, rich } from '../../../src/chat/index.ts';
import { formatDuration } from '../../../src/domain/duration.ts';
import type { RequestView } from '../../../src/app/request-view.ts';
import { context, plain, section, type InputBlock, type ModalView, type OptionObject, type SlackBlock } from './blocks.ts';
import { BREAK_GLASS_OPTION_VALUE, CALLBACK_IDS, DENY_MODAL_FIELDS, EXTEND_MODAL_FIELDS, REQUEST_MODAL_FIELDS } from './ids.ts';
import { readState, selectedValuesOf, textOf } from './modal-state.ts';
import { toMrkdwn } from './mrkdwn.ts';
import { codePoints, escapeAndTruncate, truncate } from './text.ts';

/** "a, b and c", as plain text. */
const names = (items: string[]): string => plainText(joinAnd(items.map((item) => rich(item))));

const REASON_MAX = 3000;

function textInput(id: string, label: string, opts: { multiline?: boolean; initial?: string; placeholder?: string; hint?: string; optional?: boolean; maxLength?: number }): InputBlock {
  return {
    type: 'input',
    block_id: id,
    label: plain(label, 2000),
    optional: opts.optional ?? false,
    ...(opts.hint ? { hint: plain(opts.hint, 2000) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: id,
      ...(opts.multiline ? { multiline: true } : {}),
      ...(opts.initial ? { initial_value: opts.initial } : {}),
      ...(opts.placeholder ? { placeholder: plain(opts.placeholder, 150) } : {}),
      ...(opts.maxLength ? { max_length: opts.maxLength } : {}),
    },
  };
}

export interface RequestModalOptions {
  /** Preselect this role (e.g. from `/request-access readonly`). */
  initialRole?: string;
  /** Carried back on submission, e.g. the channel the command came from (≤ 3000 chars). */
  privateMetadata?: string;
}

export function requestModal(roles: RoleChoice[], opts: RequestModalOptions = {}): ModalView {
  const base = { type: 'modal' as const, callback_id: CALLBACK_IDS.requestModal, title: plain('Request access', 24), private_metadata: truncate(opts.privateMetadata ?? '', 3000) };
  if (roles.length === 0) {
    return { ...base, close: plain('Close', 24), blocks: [section(NO_ROLES)] };
  }
  // A select carries at most 100 options, each value at most 150 characters: a role whose name is longer can
  // still be requested by command, not from the form.
  const offered = roles.filter((r) => codePoints(r.name) <= 150).slice(0, 100);
  const option = (role: RoleChoice): OptionObject => {
    const description = [role.description ? oneLine(role.description) : null, `up to ${formatDuration(role.maxDurationMs)}`].filter(Boolean).join(' · ');
    return { text: plain(role.name, 75), value: role.name, description: plain(description, 75) };
  };
  const initial = offered.find((r) => r.name === opts.initialRole) ?? (offered.length === 1 ? offered[0] : undefined);
  const limits = offered.map((r) => `${r.name} ${formatDuration(r.maxDurationMs)}`).join(', ');
  const ticketRoles = offered.filter(ticketRequired).map((r) => r.name);
  const glassRoles = offered.filter((r) => r.breakGlass).map((r) => r.name);

  const blocks: SlackBlock[] = [
    {
      type: 'input',
      block_id: REQUEST_MODAL_FIELDS.role,
      label: plain('Role'),
      element: {
        type: 'static_select',
        action_id: REQUEST_MODAL_FIELDS.role,
        placeholder: plain('Choose a role'),
        options: offered.map(option),
        ...(initial ? { initial_option: option(initial) } : {}),
      },
    },
    textInput(REQUEST_MODAL_FIELDS.duration, 'Duration', {
      initial: formatDuration((initial ?? offered[0]!).defaultDurationMs),
      placeholder: 'e.g. 30m, 2h, 1h30m',
      hint: `At most: ${limits}.`,
      maxLength: 20,
    }),
    textInput(REQUEST_MODAL_FIELDS.reason, 'Reason', { multiline: true, placeholder: 'What do you need to do, and why now?', maxLength: REASON_MAX }),
    textInput(REQUEST_MODAL_FIELDS.ticket, 'Ticket', {
      optional: true,
      placeholder: 'e.g. INC-123',
      ...(ticketRoles.length ? { hint: `Required for ${names(ticketRoles)}.` } : {}),
      maxLength: 200,
    }),
  ];
  if (glassRoles.length) {
    blocks.push({
      type: 'input',
      block_id: REQUEST_MODAL_FIELDS.breakGlass,
      label: plain('Emergency'),
      optional: true,
      hint: plain(`Allowed for ${names(glassRoles)}. Every use is reviewed by the auditors.`, 2000),
      element: {
        type: 'checkboxes',
        action_id: REQUEST_MODAL_FIELDS.breakGlass,
        options: [{ text: plain('Break-glass: activate now, without approval', 75), value: BREAK_GLASS_OPTION_VALUE, description: plain('Only for emergencies', 75) }],
      },
    });
  }
  return { ...base, submit: plain('Request', 24), close: plain('Cancel', 24), blocks };
}

export interface RequestModalValues {
  role: string;
  duration: string;
  reason: string;
  /** '' when left empty. */
  ticket: string;
  breakGlass: boolean;
}

/** The request form's `view.state.values` as plain values; the core validates them. */
export function parseRequestModal(stateValues: unknown): RequestModalValues {
  const state = readState(stateValues);
  return {
    role: textOf(state, REQUEST_MODAL_FIELDS.role),
    duration: textOf(state, REQUEST_MODAL_FIELDS.duration),
    reason: textOf(state, REQUEST_MODAL_FIELDS.reason),
    ticket: textOf(state, REQUEST_MODAL_FIELDS.ticket),
    breakGlass: selectedValuesOf(state, REQUEST_MODAL_FIELDS.breakGlass).includes(BREAK_GLASS_OPTION_VALUE),
  };
}

/** Deny with a reason the requester will see. private_metadata is the request id. */
export function denyModal(view: RequestView): ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.denyModal,
    private_metadata: String(view.id),
    title: plain(`Deny ${view.ref}`, 24),
    submit: plain('Deny', 24),
    close: plain('Back', 24),
    blocks: [
      section(truncate(toMrkdwn(rich(mention(view.requester), ' asked for ', roleOnResource(view), ` for ${formatDuration(view.durationMs)}:\n`, quote(oneLine(view.reason), 1000))), 3000)),
      textInput(DENY_MODAL_FIELDS.reason, 'Why are you denying it?', { multiline: true, placeholder: 'The requester will see this.', maxLength: REASON_MAX }),
    ],
  };
}

export function parseDenyModal(stateValues: unknown): { reason: string } {
  return { reason: textOf(readState(stateValues), DENY_MODAL_FIELDS.reason) };
}

export interface ExtendModalOptions {
  /** How much longer the role's maximum allows, when known. */
  maxExtraMs?: number | null;
}

/** Ask to extend an active grant. private_metadata is the request id of the grant. */
export function extendModal(view: RequestView, opts: ExtendModalOptions = {}): ModalView {
  const ends = toMrkdwn(view.grant ? rich(`Your access ${view.ref} to `, roleOnResource(view), ' ends ', at(view, view.grant.expiresAt), '.') : rich(`Extend ${view.ref} `, roleOnResource(view), '.'));
  const most = opts.maxExtraMs && opts.maxExtraMs > 0 ? ` At most ${formatDuration(opts.maxExtraMs)} more.` : '';
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.extendModal,
    private_metadata: String(view.id),
    title: plain(`Extend ${view.ref}`, 24),
    submit: plain('Ask to extend', 24),
    close: plain('Cancel', 24),
    blocks: [
      section(`${ends} An extension needs a new approval.`),
      textInput(EXTEND_MODAL_FIELDS.duration, 'Extend by', { placeholder: 'e.g. 30m', hint: `Formats: 30m, 2h, 1h30m.${most}`, maxLength: 20 }),
      textInput(EXTEND_MODAL_FIELDS.reason, 'Why do you need more time?', { multiline: true, optional: true, maxLength: REASON_MAX }),
    ],
  };
}

export function parseExtendModal(stateValues: unknown): { duration: string; reason: string } {
  const state = readState(stateValues);
  return { duration: textOf(state, EXTEND_MODAL_FIELDS.duration), reason: textOf(state, EXTEND_MODAL_FIELDS.reason) };
}

const CODE_CHUNK = 2900;

/**
 * Credentials shown privately to the holder in a modal (never a message that stays in history). The modal
 * clears on close. Each value sits in a code block; very long values are split across sections.
 */
export function credentialsModal(creds: Record<string, string>, view: RequestView): ModalView {
  const blocks: SlackBlock[] = [section(`🔒 *Only you can see this.* Credentials for ${view.ref} ${toMrkdwn(roleOnResource(view))}. Don’t paste them into channels, tickets or chats.`)];
  for (const [key, value] of Object.entries(creds)) {
    const label = `*${escapeAndTruncate(key, 100)}*`;
    const chunks = codeChunks(value);
    if (chunks.length === 0) blocks.push(section(`${label}\n(empty)`));
    chunks.forEach((chunk, i) => {
      if (blocks.length < 98) blocks.push(section(`${i === 0 ? label : `${label} (continued)`}\n\`\`\`${chunk}\`\`\``));
    });
  }
  const expiry = view.grant ? `Valid until ${toMrkdwn(rich(at(view, view.grant.expiresAt)))}; they stop working when the access ends.` : 'They stop working when the access ends.';
  blocks.push(context(expiry));
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.credentialsModal,
    private_metadata: String(view.id),
    title: plain('Your credentials', 24),
    close: plain('Done', 24),
    clear_on_close: true,
    notify_on_close: false,
    blocks,
  };
}

/** Escaped pieces of at most CODE_CHUNK code points each, never splitting an entity; ``` cannot close the block. */
function codeChunks(value: string): string[] {
  const chunks: string[] = [];
  let current = '';
  let length = 0;
  for (const char of value.replace(/```/g, '`\u200B`\u200B`')) {
    const piece = char === '&' ? '&amp;' : char === '<' ? '&lt;' : char === '>' ? '&gt;' : char;
    const size = piece === char ? 1 : piece.length;
    if (length + size > CODE_CHUNK) {
      chunks.push(current);
      current = '';
      length = 0;
    }
    current += piece;
    length += size;
  }
  if (current) chunks.push(current);
  return chunks;
}
