/**
 * Adaptive Cards 1.5 for the chat layer's message models, within Teams' limits (a card of ~28 KB; we keep the
 * text well under that). Headings, paragraphs and notes become text blocks, label/value pairs a fact set
 * (never column sets: they break automatic refresh in Teams), buttons `Action.Execute` with the request id
 * only. Mentions travel as `msteams.entities`. A card may carry `refresh` with the users who get their own view.
 */
import type { Block, Button, ChatMessage, RichText } from '../../../src/chat/index.ts';
import { cut, plainText } from '../../../src/chat/index.ts';
import { type CardSurface, type Verb } from './ids.ts';
import { toTeamsMarkdown, type MentionEntity } from './markdown.ts';
import type { RequestId } from '../../../src/domain/request-id.ts';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
/** Longest text one text block shows (markup included). */
const TEXT_MAX = 3000;
const FACT_MAX = 1000;
/** Text blocks a `lines` block (the digest) may fill before the rest is cut. */
const LINE_BLOCKS_MAX = 6;
/** Teams shows at most this many users their own view of a card. */
export const REFRESH_USERS_MAX = 60;

export type CardElement = Record<string, unknown> & { type: string };

export interface ExecuteAction {
  type: 'Action.Execute';
  title: string;
  verb: Verb;
  data: Record<string, unknown>;
  style?: 'positive' | 'destructive';
  associatedInputs?: 'auto' | 'none';
}

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.5';
  body: CardElement[];
  actions?: ExecuteAction[];
  refresh?: { action: ExecuteAction; userIds: string[] };
  msteams: { width: 'Full'; entities?: MentionEntity[] };
}

export interface CardOptions {
  /** Where the card is shown; carried in its buttons' data. */
  surface: CardSurface;
  /** Give these users (Teams user ids) their own view of the card about this request. */
  refresh?: { requestId: RequestId; userIds: string[] } | null;
  /** A line for the person who acted, above the card (what their click did, or why it was refused). */
  note?: { text: RichText; tone: 'good' | 'attention' } | null;
}

/** Renders text and collects the mentions it needs, for one card or message. */
export class TextRenderer {
  readonly mentions: MentionEntity[] = [];

  markdown(value: RichText, max = TEXT_MAX): string {
    return cut(toTeamsMarkdown(value, this.mentions).text, max);
  }
}

export const textBlock = (text: string, extra: Record<string, unknown> = {}): CardElement => ({ type: 'TextBlock', text, wrap: true, ...extra });

export function executeAction(title: string, verb: Verb, data: Record<string, unknown>, style?: 'positive' | 'destructive'): ExecuteAction {
  return { type: 'Action.Execute', title, verb, data, ...(style ? { style } : {}) };
}

function renderButton(button: Button, surface: CardSurface): ExecuteAction {
  // A runbook action's button: a button with a confirm dialog is not yet confirmed (Teams shows none, so the click
  // answers with a card that asks); any other one is (the action asks nothing, or the button is the answer).
  const action = button.actionName ? { actionName: button.actionName, confirmed: !button.confirm } : {};
  const data = button.requestId === null ? { surface } : { requestId: button.requestId, surface, ...action };
  return executeAction(button.label, button.action, data, button.style === 'primary' ? 'positive' : button.style === 'danger' ? 'destructive' : undefined);
}

/** Many short lines packed into as few text blocks as fit; the rest is cut with a note. */
function packLines(block: Extract<Block, { type: 'lines' }>, text: TextRenderer): CardElement[] {
  const chunks: string[] = [];
  let current = '';
  for (const raw of block.lines) {
    const line = text.markdown(raw);
    if (current && current.length + 2 + line.length > TEXT_MAX) {
      chunks.push(current);
      current = line;
    } else current = current ? `${current}\n\n${line}` : line;
  }
  if (current.trim()) chunks.push(current);
  const out = chunks.slice(0, LINE_BLOCKS_MAX).map((chunk) => textBlock(chunk, { spacing: 'Small' }));
  if (chunks.length > LINE_BLOCKS_MAX) out.push(textBlock(`…cut to fit Teams. ${text.markdown(block.overflow)}`, { isSubtle: true, size: 'Small' }));
  return out;
}

function renderBlock(block: Block, text: TextRenderer, surface: CardSurface): CardElement[] {
  switch (block.type) {
    case 'heading':
      return [textBlock(cut(block.text, 200), { size: 'Medium', weight: 'Bolder', ...(block.id ? { id: block.id } : {}) })];
    case 'paragraph':
      return [textBlock(text.markdown(block.text), block.id ? { id: block.id } : {})];
    case 'fields':
      return [
        {
          type: 'FactSet',
          ...(block.id ? { id: block.id } : {}),
          facts: block.fields.map((f) => ({ title: cut(f.label, 100), value: text.markdown(f.value, FACT_MAX) })),
        },
      ];
    case 'note':
      return [textBlock(text.markdown(block.text), { isSubtle: true, size: 'Small' })];
    case 'buttons':
      return [{ type: 'ActionSet', id: block.id, actions: block.buttons.map((b) => renderButton(b, surface)) }];
    case 'divider':
      return [];
    case 'lines':
      return packLines(block, text);
  }
}

/** The body of a card: each block in order; a divider becomes a separator above what follows it. */
export function renderBody(blocks: readonly Block[], text: TextRenderer, surface: CardSurface): CardElement[] {
  const body: CardElement[] = [];
  let separate = false;
  for (const block of blocks) {
    if (block.type === 'divider') {
      separate = body.length > 0;
      continue;
    }
    const elements = renderBlock(block, text, surface);
    if (separate && elements[0]) elements[0] = { ...elements[0], separator: true, spacing: 'Medium' };
    separate = false;
    body.push(...elements);
  }
  return body;
}

export function card(body: CardElement[], text: TextRenderer, extra: Partial<Pick<AdaptiveCard, 'actions' | 'refresh'>> = {}): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: CARD_SCHEMA,
    version: '1.5',
    body,
    ...(extra.actions?.length ? { actions: extra.actions } : {}),
    ...(extra.refresh ? { refresh: extra.refresh } : {}),
    msteams: { width: 'Full', ...(text.mentions.length ? { entities: text.mentions } : {}) },
  };
}

/** The refresh clause that gives each listed user their own view of a request's card. */
export function refreshClause(requestId: RequestId, userIds: readonly string[]): AdaptiveCard['refresh'] {
  return { action: executeAction('Refresh', 'refresh', { requestId, surface: 'approval' }), userIds: [...new Set(userIds)].slice(0, REFRESH_USERS_MAX) };
}

/** A message model as an Adaptive Card. */
export function renderCard(message: ChatMessage, options: CardOptions, after: CardElement[] = []): AdaptiveCard {
  const text = new TextRenderer();
  const note = options.note ? [textBlock(text.markdown(options.note.text), { id: 'note', weight: 'Bolder', color: options.note.tone === 'good' ? 'Good' : 'Attention' })] : [];
  const body = [...note, ...renderBody(message.blocks, text, options.surface), ...after];
  const refresh = options.refresh && options.refresh.userIds.length > 0 ? refreshClause(options.refresh.requestId, options.refresh.userIds) : undefined;
  return card(body.length ? body : [textBlock(text.markdown(message.summary))], text, refresh ? { refresh } : {});
}

/** A card as the attachment of a message activity; the summary is the notification text. */
export interface CardActivity {
  type: 'message';
  summary: string;
  attachments: { contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; content: AdaptiveCard }[];
}

export function cardActivity(content: AdaptiveCard, summary: RichText): CardActivity {
  return { type: 'message', summary: cut(plainText(summary), 300), attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content }] };
}

export interface TextActivity {
  type: 'message';
  text: string;
  textFormat: 'markdown';
  entities?: MentionEntity[];
}

/** A plain Markdown message (thread replies, short answers). */
export function textActivity(value: RichText): TextActivity {
  const text = new TextRenderer();
  const markdown = text.markdown(value, 20_000);
  return { type: 'message', text: markdown, textFormat: 'markdown', ...(text.mentions.length ? { entities: text.mentions } : {}) };
}

/** A private answer: a message without blocks is plain text, one with blocks a card. */
export function renderAnswer(message: ChatMessage): TextActivity | CardActivity {
  return message.blocks.length ? cardActivity(renderCard(message, { surface: 'personal' }), message.summary) : textActivity(message.summary);
}
