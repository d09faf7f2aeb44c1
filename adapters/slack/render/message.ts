/**
 * Block Kit for the chat layer's message models, within Slack's limits: 3,000 characters a section, 2,000 a
 * field, 150 a header, 50 blocks a message (100 in a view), 300 for a notification's text. Buttons get the
 * adapter's action ids and carry the request id only.
 */
import type { Block, Button, ChatMessage, PersonalView, RichText } from '../../../src/chat/index.ts';
import { actions, button, confirmDialog, context, divider, header, mrkdwn, section, type ButtonElement, type HomeView, type SlackBlock, type SlackMessage } from './blocks.ts';
import { ACTION_FOR, actionButtonValue, CALLBACK_IDS, requestButtonValue, runActionId } from './ids.ts';
import { toMrkdwn } from './mrkdwn.ts';
import { truncate } from './text.ts';

export const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const NOTIFICATION_MAX = 300;
const MESSAGE_BLOCKS_MAX = 50;
/** Slack's limit for a message's `text`. */
const MESSAGE_TEXT_MAX = 40_000;
/** The value of a button about no request (open the request form). */
const NO_REQUEST = 'new';

const text = (value: RichText, max = SECTION_MAX): string => truncate(toMrkdwn(value), max);

function renderButton(b: Button): ButtonElement {
  const confirm = b.confirm ? confirmDialog(b.confirm.title, b.confirm.text, b.confirm.yes, b.confirm.no) : undefined;
  const value = b.requestId === null ? NO_REQUEST : b.actionName ? actionButtonValue(b.requestId, b.actionName) : requestButtonValue(b.requestId);
  // Slack wants every action_id in a message to differ: a runbook action's button names its request and action.
  const actionId = b.action === 'run_action' && b.requestId !== null && b.actionName ? runActionId(b.requestId, b.actionName) : ACTION_FOR[b.action];
  return button(b.label, actionId, value, b.style, confirm);
}

/** Many short lines packed into sections of at most SECTION_MAX, within `budget` blocks; the rest is cut with a note. */
function packLines(block: Extract<Block, { type: 'lines' }>, budget: number): SlackBlock[] {
  const sections: string[] = [];
  let current = '';
  for (const raw of block.lines) {
    const line = text(raw);
    if (current && current.length + 1 + line.length > SECTION_MAX) {
      sections.push(current);
      current = line;
    } else current = current ? `${current}\n${line}` : line;
  }
  if (current.trim()) sections.push(current);
  const out: SlackBlock[] = sections.slice(0, budget).filter((s) => s.trim()).map((s) => section(s));
  if (sections.length > budget) out.push(context(truncate(`…cut to fit Slack. ${toMrkdwn(block.overflow)}`, SECTION_MAX)));
  return out;
}

function renderBlock(block: Exclude<Block, { type: 'lines' }>): SlackBlock {
  switch (block.type) {
    case 'heading':
      return header(block.text, block.id);
    case 'paragraph':
      return section(text(block.text), block.id);
    case 'fields':
      return { type: 'section', ...(block.id ? { block_id: block.id } : {}), fields: block.fields.map((f) => mrkdwn(truncate(`*${f.label}*\n${toMrkdwn(f.value)}`, FIELD_MAX))) };
    case 'note':
      return context(text(block.text));
    case 'buttons':
      return actions(block.id, ...block.buttons.map(renderButton));
    case 'divider':
      return divider();
  }
}

/** Blocks in order; a `lines` block gets what is left of the message's block budget (keeping one for its note). */
function renderBlocks(blocks: readonly Block[], maxBlocks = MESSAGE_BLOCKS_MAX): SlackBlock[] {
  const others = blocks.filter((b) => b.type !== 'lines').length;
  return blocks.flatMap((b) => (b.type === 'lines' ? packLines(b, maxBlocks - others - 1) : [renderBlock(b)]));
}

/** A message posted to a channel or a person: blocks, and its summary as the notification text. */
export function renderMessage(message: ChatMessage): SlackMessage {
  return { text: text(message.summary, NOTIFICATION_MAX), blocks: renderBlocks(message.blocks) };
}

/** A private answer: a message without blocks is just its text. */
export function renderAnswer(message: ChatMessage): { text: string; blocks?: SlackBlock[] } {
  const answer = text(message.summary, MESSAGE_TEXT_MAX);
  return message.blocks.length ? { text: answer, blocks: renderBlocks(message.blocks) } : { text: answer };
}

export function renderHome(view: PersonalView): HomeView {
  return { type: 'home', callback_id: CALLBACK_IDS.home, blocks: renderBlocks(view.blocks, 100) };
}
