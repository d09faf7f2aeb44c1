/**
 * Plain Block Kit shapes and small builders. They are structurally compatible with @slack/types (so Bolt's
 * client accepts them) without tying the renderers to Bolt.
 */
import { truncate } from './text.ts';

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
  verbatim?: boolean;
}
export type TextObject = PlainText | Mrkdwn;

export interface ConfirmDialog {
  title: PlainText;
  text: PlainText | Mrkdwn;
  confirm: PlainText;
  deny: PlainText;
  style?: 'primary' | 'danger';
}

export interface ButtonElement {
  type: 'button';
  text: PlainText;
  action_id: string;
  value?: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmDialog;
}

export interface OptionObject {
  text: PlainText;
  value: string;
  description?: PlainText;
}

export interface StaticSelectElement {
  type: 'static_select';
  action_id: string;
  options: OptionObject[];
  placeholder?: PlainText;
  initial_option?: OptionObject;
}

export interface CheckboxesElement {
  type: 'checkboxes';
  action_id: string;
  options: OptionObject[];
}

export interface PlainTextInputElement {
  type: 'plain_text_input';
  action_id: string;
  multiline?: boolean;
  initial_value?: string;
  placeholder?: PlainText;
  min_length?: number;
  max_length?: number;
}

export interface HeaderBlock {
  type: 'header';
  block_id?: string;
  text: PlainText;
}
export interface SectionBlock {
  type: 'section';
  block_id?: string;
  text?: TextObject;
  fields?: TextObject[];
  accessory?: ButtonElement;
}
export interface DividerBlock {
  type: 'divider';
  block_id?: string;
}
export interface ContextBlock {
  type: 'context';
  block_id?: string;
  elements: TextObject[];
}
export interface ActionsBlock {
  type: 'actions';
  block_id?: string;
  elements: ButtonElement[];
}
export interface InputBlock {
  type: 'input';
  block_id: string;
  label: PlainText;
  element: StaticSelectElement | CheckboxesElement | PlainTextInputElement;
  hint?: PlainText;
  optional?: boolean;
}

export type SlackBlock = HeaderBlock | SectionBlock | DividerBlock | ContextBlock | ActionsBlock | InputBlock;

/** A message: `text` is the notification/fallback, `blocks` what people see. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export interface ModalView {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit?: PlainText;
  close?: PlainText;
  private_metadata?: string;
  clear_on_close?: boolean;
  notify_on_close?: boolean;
  blocks: SlackBlock[];
}

export interface HomeView {
  type: 'home';
  callback_id?: string;
  blocks: SlackBlock[];
}

export const plain = (text: string, max = 3000): PlainText => ({ type: 'plain_text', text: truncate(text, max), emoji: true });
export const mrkdwn = (text: string): Mrkdwn => ({ type: 'mrkdwn', text });

export const header = (text: string, blockId?: string): HeaderBlock => ({ type: 'header', ...(blockId ? { block_id: blockId } : {}), text: plain(text, 150) });
export const section = (text: string, blockId?: string): SectionBlock => ({ type: 'section', ...(blockId ? { block_id: blockId } : {}), text: mrkdwn(text) });
export const context = (...texts: string[]): ContextBlock => ({ type: 'context', elements: texts.map(mrkdwn) });
export const divider = (): DividerBlock => ({ type: 'divider' });
export const actions = (blockId: string, ...elements: ButtonElement[]): ActionsBlock => ({ type: 'actions', block_id: blockId, elements });

export function button(label: string, actionId: string, value: string, style?: 'primary' | 'danger', confirm?: ConfirmDialog): ButtonElement {
  return { type: 'button', text: plain(label, 75), action_id: actionId, value, ...(style ? { style } : {}), ...(confirm ? { confirm } : {}) };
}

export function confirmDialog(title: string, text: string, yes: string, no = 'Cancel'): ConfirmDialog {
  return { title: plain(title, 100), text: plain(text, 300), confirm: plain(yes, 30), deny: plain(no, 30) };
}
