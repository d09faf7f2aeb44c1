/* global document, Option */
/**
 * A Block Kit renderer for what accessbot sends: header, section (text, fields, accessory), context, divider,
 * actions (buttons with primary/danger styles and confirm dialogs, selects), input (plain text, selects,
 * checkboxes, radio buttons, date pickers) and image. Interactive elements call `hooks.onAction`; inputs keep
 * their value in a state object shaped like Slack's `view.state.values`.
 */
import { escapeHtml, textObject } from './mrkdwn.js';

const el = (tag, className, html) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (html !== undefined) node.innerHTML = html;
  return node;
};

const optionOf = (option) => ({ text: { type: 'plain_text', text: option.text?.text ?? '', emoji: true }, value: option.value });

/**
 * Render `blocks` into a container.
 * hooks: { names, onAction(element, blockId, stateValues), state?: a StateCollector (for modals), errors?: {blockId: message} }
 */
export function renderBlocks(blocks, hooks) {
  const root = el('div', 'blocks');
  for (const block of blocks ?? []) {
    const node = renderBlock(block, hooks);
    if (node) root.append(node);
  }
  return root;
}

function renderBlock(block, hooks) {
  const names = hooks.names;
  switch (block.type) {
    case 'header':
      return el('h3', 'bk-header', textObject(block.text, names));
    case 'divider':
      return el('hr', 'bk-divider');
    case 'section': {
      const node = el('div', 'bk-section');
      const body = el('div', 'bk-section-body');
      if (block.text) body.append(el('div', 'bk-text', textObject(block.text, names)));
      if (block.fields?.length) {
        const fields = el('div', 'bk-fields');
        for (const field of block.fields) fields.append(el('div', 'bk-field', textObject(field, names)));
        body.append(fields);
      }
      node.append(body);
      if (block.accessory) node.append(renderElement(block.accessory, block.block_id, hooks, 'bk-accessory'));
      return node;
    }
    case 'context': {
      const node = el('div', 'bk-context');
      for (const item of block.elements ?? []) {
        if (item.type === 'image') node.append(el('span', 'bk-image-alt', escapeHtml(item.alt_text ?? '')));
        else node.append(el('span', 'bk-context-item', textObject(item, names)));
      }
      return node;
    }
    case 'actions': {
      const node = el('div', 'bk-actions');
      for (const item of block.elements ?? []) node.append(renderElement(item, block.block_id, hooks));
      return node;
    }
    case 'input':
      return renderInput(block, hooks);
    case 'image':
      return el('div', 'bk-image-alt', `[image: ${escapeHtml(block.alt_text ?? '')}]`);
    case 'rich_text':
      return el('div', 'bk-text', escapeHtml(JSON.stringify(block.elements ?? []).slice(0, 200)));
    default:
      return el('div', 'bk-unknown', `(a ${escapeHtml(String(block.type))} block the playground does not draw)`);
  }
}

/** A button, select or date picker inside an actions block or as a section accessory. */
function renderElement(element, blockId, hooks, extraClass = '') {
  const names = hooks.names;
  if (element.type === 'button') {
    const button = el('button', `bk-button ${element.style ? `bk-${element.style}` : ''} ${extraClass}`.trim(), textObject(element.text, names));
    button.type = 'button';
    button.dataset.actionId = element.action_id ?? '';
    if (element.value !== undefined) button.dataset.value = element.value;
    if (element.url) button.title = element.url;
    button.addEventListener('click', () => hooks.onAction?.(element, blockId));
    return button;
  }
  if (element.type === 'static_select' || element.type === 'overflow') {
    const select = el('select', `bk-select ${extraClass}`.trim());
    select.append(new Option(element.placeholder?.text ?? (element.type === 'overflow' ? '⋯' : 'Choose…'), ''));
    for (const option of allOptions(element)) select.append(new Option(option.text?.text ?? option.value, option.value));
    select.addEventListener('change', () => {
      const option = allOptions(element).find((o) => o.value === select.value);
      if (option) hooks.onAction?.({ ...element, selected_option: option, value: option.value }, blockId);
    });
    return select;
  }
  if (element.type === 'datepicker') {
    const input = el('input', `bk-date ${extraClass}`.trim());
    input.type = 'date';
    if (element.initial_date) input.value = element.initial_date;
    input.addEventListener('change', () => hooks.onAction?.({ ...element, selected_date: input.value }, blockId));
    return input;
  }
  return el('span', 'bk-unknown', `(${escapeHtml(String(element.type))})`);
}

const allOptions = (element) => [...(element.options ?? []), ...(element.option_groups ?? []).flatMap((g) => g.options ?? [])];

/** An input block of a modal; its value is read through hooks.state. */
function renderInput(block, hooks) {
  const names = hooks.names;
  const element = block.element ?? {};
  const blockId = block.block_id;
  const actionId = element.action_id;
  const node = el('div', 'bk-input');
  node.dataset.blockId = blockId ?? '';
  const label = el('label', 'bk-label', `${textObject(block.label, names)}${block.optional ? ' <span class="bk-optional">(optional)</span>' : ''}`);
  node.append(label);
  const id = `in-${blockId}-${actionId}`;
  label.htmlFor = id;
  let read;
  switch (element.type) {
    case 'plain_text_input': {
      const input = element.multiline ? el('textarea', 'bk-text-input') : el('input', 'bk-text-input');
      input.id = id;
      if (element.placeholder) input.placeholder = element.placeholder.text;
      if (element.initial_value) input.value = element.initial_value;
      if (element.max_length) input.maxLength = element.max_length;
      read = () => ({ type: 'plain_text_input', value: input.value === '' ? null : input.value });
      node.append(input);
      break;
    }
    case 'static_select': {
      const select = el('select', 'bk-select');
      select.id = id;
      select.append(new Option(element.placeholder?.text ?? 'Choose…', ''));
      for (const option of allOptions(element)) select.append(new Option(option.text?.text ?? option.value, option.value));
      if (element.initial_option) select.value = element.initial_option.value;
      read = () => {
        const option = allOptions(element).find((o) => o.value === select.value);
        return { type: 'static_select', selected_option: option ? optionOf(option) : null };
      };
      node.append(select);
      break;
    }
    case 'checkboxes':
    case 'radio_buttons': {
      const group = el('div', 'bk-choices');
      const initial = new Set([...(element.initial_options ?? []), ...(element.initial_option ? [element.initial_option] : [])].map((o) => o.value));
      const boxes = (element.options ?? []).map((option, i) => {
        const row = el('label', 'bk-choice');
        const box = document.createElement('input');
        box.type = element.type === 'checkboxes' ? 'checkbox' : 'radio';
        box.name = id;
        box.value = option.value;
        box.checked = initial.has(option.value);
        if (i === 0) box.id = id;
        row.append(box, el('span', '', textObject(option.text, names)));
        if (option.description) row.append(el('span', 'bk-choice-hint', textObject(option.description, names)));
        group.append(row);
        return { box, option };
      });
      read = () => {
        const picked = boxes.filter((b) => b.box.checked).map((b) => optionOf(b.option));
        return element.type === 'checkboxes' ? { type: 'checkboxes', selected_options: picked } : { type: 'radio_buttons', selected_option: picked[0] ?? null };
      };
      node.append(group);
      break;
    }
    case 'datepicker': {
      const input = el('input', 'bk-date');
      input.type = 'date';
      input.id = id;
      if (element.initial_date) input.value = element.initial_date;
      read = () => ({ type: 'datepicker', selected_date: input.value || null });
      node.append(input);
      break;
    }
    default:
      node.append(el('span', 'bk-unknown', `(an input of type ${escapeHtml(String(element.type))})`));
  }
  if (block.hint) node.append(el('div', 'bk-hint', textObject(block.hint, names)));
  const error = hooks.errors?.[blockId];
  if (error) node.append(el('div', 'bk-error', escapeHtml(error)));
  if (read && hooks.state) hooks.state.add(blockId, actionId, read);
  return node;
}

/** Collects input readers; `values()` is `view.state.values` as Slack sends it. */
export class StateCollector {
  constructor() {
    this.readers = [];
  }
  add(blockId, actionId, read) {
    this.readers.push({ blockId, actionId, read });
  }
  values() {
    const values = {};
    for (const { blockId, actionId, read } of this.readers) (values[blockId] ??= {})[actionId] = read();
    return values;
  }
}
