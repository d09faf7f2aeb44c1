/**
 * A chat message as every platform shows it: a one-line summary (the notification, or the fallback where rich
 * content cannot be shown) and blocks. Buttons carry an action kind and the request id, nothing else: whoever
 * clicks, the core loads the request and decides again. Each adapter renders these (Block Kit, Adaptive Cards)
 * and applies its own size limits; the `id` of a block names the part (a Slack block_id, an Adaptive Card id).
 */
import type { RichText } from './rich-text.ts';
import type { RequestId } from '../domain/request-id.ts';

/** What a button does. The adapter maps each to its own action id. */
export type ActionKind = 'approve' | 'deny' | 'cancel' | 'revoke' | 'extend' | 'show_credentials' | 'open_request_form' | 'expedite' | 'run_action';

export interface Confirm {
  title: string;
  text: string;
  yes: string;
  no: string;
}

export interface Button {
  action: ActionKind;
  /** The request it acts on; null only for buttons about no request (open the request form). */
  requestId: RequestId | null;
  label: string;
  style?: 'primary' | 'danger';
  confirm?: Confirm;
  /** For `run_action`: which of the role's runbook actions. */
  actionName?: string;
}

export type Block =
  /** A short plain title. */
  | { type: 'heading'; text: string; id?: string }
  | { type: 'paragraph'; text: RichText; id?: string }
  /** Label → value pairs shown side by side where the platform can. */
  | { type: 'fields'; fields: { label: string; value: RichText }[]; id?: string }
  /** Small print under or between paragraphs. */
  | { type: 'note'; text: RichText }
  | { type: 'buttons'; buttons: Button[]; id: string }
  | { type: 'divider' }
  /**
   * Many short lines (the digest): the renderer packs them into as few blocks as its limits allow; when it
   * must leave lines out it says so, followed by `overflow` (where to read the rest).
   */
  | { type: 'lines'; lines: RichText[]; overflow: RichText };

export interface ChatMessage {
  summary: RichText;
  blocks: Block[];
}

/** A view a person opens for themselves (Slack's App Home). */
export interface PersonalView {
  blocks: Block[];
}

export function buttonsOf(blocks: readonly Block[]): Button[] {
  return blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []));
}

export const withoutButtons = (blocks: readonly Block[]): Block[] => blocks.filter((b) => b.type !== 'buttons');
