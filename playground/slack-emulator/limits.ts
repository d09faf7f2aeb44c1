/**
 * Slack's documented Block Kit and message limits, checked the way Slack checks them, with Slack's error shape.
 * The emulator rejects oversize payloads with these answers; renderer tests call the same functions, so a card
 * that passes the tests passes the emulator, and (as far as the documented limits go) Slack itself.
 *
 * Lengths are counted in code points.
 */

export interface SlackLimits {
  messageTextMax: number;
  messageBlocksMax: number;
  viewBlocksMax: number;
  sectionTextMax: number;
  sectionFieldsMax: number;
  sectionFieldTextMax: number;
  headerTextMax: number;
  contextElementsMax: number;
  actionsElementsMax: number;
  buttonTextMax: number;
  buttonValueMax: number;
  actionIdMax: number;
  blockIdMax: number;
  urlMax: number;
  optionTextMax: number;
  optionValueMax: number;
  selectOptionsMax: number;
  checkboxOptionsMax: number;
  placeholderMax: number;
  inputLabelMax: number;
  inputHintMax: number;
  plainTextInputMaxLength: number;
  viewTitleMax: number;
  viewButtonMax: number;
  privateMetadataMax: number;
  callbackIdMax: number;
  textObjectMax: number;
  confirmTitleMax: number;
  confirmTextMax: number;
  confirmButtonMax: number;
}

export const SLACK_LIMITS: Readonly<SlackLimits> = Object.freeze({
  messageTextMax: 40_000,
  messageBlocksMax: 50,
  viewBlocksMax: 100,
  sectionTextMax: 3000,
  sectionFieldsMax: 10,
  sectionFieldTextMax: 2000,
  headerTextMax: 150,
  contextElementsMax: 10,
  actionsElementsMax: 25,
  buttonTextMax: 75,
  buttonValueMax: 2000,
  actionIdMax: 255,
  blockIdMax: 255,
  urlMax: 3000,
  optionTextMax: 75,
  optionValueMax: 150,
  selectOptionsMax: 100,
  checkboxOptionsMax: 10,
  placeholderMax: 150,
  inputLabelMax: 2000,
  inputHintMax: 2000,
  plainTextInputMaxLength: 3000,
  viewTitleMax: 24,
  viewButtonMax: 24,
  privateMetadataMax: 3000,
  callbackIdMax: 255,
  textObjectMax: 3000,
  confirmTitleMax: 100,
  confirmTextMax: 300,
  confirmButtonMax: 30,
});

export interface LimitProblem {
  /** JSON pointer into the checked payload, e.g. "/blocks/0/text/text". */
  pointer: string;
  message: string;
}

export interface SlackLimitError {
  error: 'msg_too_long' | 'no_text' | 'invalid_blocks' | 'invalid_blocks_format' | 'invalid_arguments';
  problems: LimitProblem[];
}

/** Slack's wire answer for a limit error: `{ ok:false, error, errors?, response_metadata: { messages } }`. */
export function limitErrorBody(failure: SlackLimitError): Record<string, unknown> {
  const lines = failure.problems.map((p) => `${p.message} [json-pointer:${p.pointer}]`);
  return {
    ok: false,
    error: failure.error,
    ...(failure.error === 'invalid_blocks' ? { errors: lines } : {}),
    ...(lines.length ? { response_metadata: { messages: lines.map((l) => `[ERROR] ${l}`) } } : {}),
  };
}

export const codePointLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

type Surface = 'message' | 'modal' | 'home';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: LimitProblem[] = [];
  constructor(readonly limits: SlackLimits) {}

  add(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  maxLen(value: unknown, max: number, pointer: string): void {
    if (value === undefined) return;
    if (typeof value !== 'string') return this.add(pointer, 'must be a string');
    if (codePointLength(value) > max) this.add(pointer, `must be less than ${max + 1} characters`);
  }

  requiredString(value: unknown, max: number, pointer: string): void {
    if (typeof value !== 'string') return this.add(pointer, 'must provide a string');
    if (value.length === 0) return this.add(pointer, 'must be more than 0 characters');
    this.maxLen(value, max, pointer);
  }

  text(value: unknown, max: number, pointer: string, plainOnly = false): void {
    if (!isObject(value)) return this.add(pointer, 'must provide an object');
    if (value.type !== 'plain_text' && value.type !== 'mrkdwn') return this.add(`${pointer}/type`, 'must be plain_text or mrkdwn');
    if (plainOnly && value.type !== 'plain_text') return this.add(`${pointer}/type`, 'must be a plain_text object');
    this.requiredString(value.text, max, `${pointer}/text`);
  }

  array(value: unknown, min: number, max: number, pointer: string): unknown[] {
    if (!Array.isArray(value)) {
      this.add(pointer, 'must provide an array');
      return [];
    }
    if (value.length < min) this.add(pointer, `must provide at least ${min} items`);
    if (value.length > max) this.add(pointer, `must be less than ${max + 1} items`);
    return value;
  }

  confirm(value: unknown, pointer: string): void {
    if (value === undefined) return;
    if (!isObject(value)) return this.add(pointer, 'must provide an object');
    const l = this.limits;
    this.text(value.title, l.confirmTitleMax, `${pointer}/title`, true);
    this.text(value.text, l.confirmTextMax, `${pointer}/text`);
    this.text(value.confirm, l.confirmButtonMax, `${pointer}/confirm`, true);
    this.text(value.deny, l.confirmButtonMax, `${pointer}/deny`, true);
  }

  option(value: unknown, pointer: string, allowMrkdwn: boolean): void {
    if (!isObject(value)) return this.add(pointer, 'must provide an object');
    this.text(value.text, this.limits.optionTextMax, `${pointer}/text`, !allowMrkdwn);
    this.requiredString(value.value, this.limits.optionValueMax, `${pointer}/value`);
    if (value.description !== undefined) this.text(value.description, this.limits.optionTextMax, `${pointer}/description`, !allowMrkdwn);
  }

  element(value: unknown, pointer: string, actionIds: Set<string>): void {
    if (!isObject(value)) return this.add(pointer, 'must provide an object');
    const l = this.limits;
    const type = value.type;
    if (type === 'image') {
      this.requiredString(value.image_url, l.urlMax, `${pointer}/image_url`);
      this.requiredString(value.alt_text, 2000, `${pointer}/alt_text`);
      return;
    }
    if (value.action_id !== undefined) {
      this.requiredString(value.action_id, l.actionIdMax, `${pointer}/action_id`);
      if (typeof value.action_id === 'string') {
        if (actionIds.has(value.action_id)) this.add(`${pointer}/action_id`, `duplicate action_id: ${value.action_id}`);
        actionIds.add(value.action_id);
      }
    }
    switch (type) {
      case 'button':
        this.text(value.text, l.buttonTextMax, `${pointer}/text`, true);
        this.maxLen(value.value, l.buttonValueMax, `${pointer}/value`);
        this.maxLen(value.url, l.urlMax, `${pointer}/url`);
        if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger') this.add(`${pointer}/style`, 'must be one of primary, danger');
        this.confirm(value.confirm, `${pointer}/confirm`);
        return;
      case 'static_select':
      case 'multi_static_select': {
        if (value.placeholder !== undefined) this.text(value.placeholder, l.placeholderMax, `${pointer}/placeholder`, true);
        const options = this.array(value.options, 1, l.selectOptionsMax, `${pointer}/options`);
        options.forEach((o, i) => this.option(o, `${pointer}/options/${i}`, false));
        const values = new Set(options.filter(isObject).map((o) => o.value));
        if (isObject(value.initial_option) && !values.has(value.initial_option.value)) {
          this.add(`${pointer}/initial_option`, 'must match one of the options');
        }
        this.confirm(value.confirm, `${pointer}/confirm`);
        return;
      }
      case 'checkboxes':
      case 'radio_buttons': {
        const options = this.array(value.options, 1, l.checkboxOptionsMax, `${pointer}/options`);
        options.forEach((o, i) => this.option(o, `${pointer}/options/${i}`, true));
        return;
      }
      case 'plain_text_input': {
        if (value.placeholder !== undefined) this.text(value.placeholder, l.placeholderMax, `${pointer}/placeholder`, true);
        this.maxLen(value.initial_value, l.plainTextInputMaxLength, `${pointer}/initial_value`);
        for (const key of ['min_length', 'max_length'] as const) {
          const n = value[key];
          if (n === undefined) continue;
          if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > l.plainTextInputMaxLength) {
            this.add(`${pointer}/${key}`, `must be an integer between 0 and ${l.plainTextInputMaxLength}`);
          }
        }
        return;
      }
      case 'overflow':
      case 'datepicker':
      case 'timepicker':
      case 'datetimepicker':
      case 'users_select':
      case 'multi_users_select':
      case 'conversations_select':
      case 'multi_conversations_select':
      case 'channels_select':
      case 'multi_channels_select':
      case 'external_select':
      case 'multi_external_select':
      case 'email_text_input':
      case 'number_input':
      case 'url_text_input':
        return;
      default:
        this.add(pointer, 'failed to match all allowed schemas');
    }
  }

  block(value: unknown, pointer: string, blockIds: Set<string>): void {
    if (!isObject(value)) return this.add(pointer, 'must provide an object');
    const l = this.limits;
    if (value.block_id !== undefined) {
      this.requiredString(value.block_id, l.blockIdMax, `${pointer}/block_id`);
      if (typeof value.block_id === 'string') {
        if (blockIds.has(value.block_id)) this.add(`${pointer}/block_id`, `duplicate block_id: ${value.block_id}`);
        blockIds.add(value.block_id);
      }
    }
    const actionIds = new Set<string>();
    switch (value.type) {
      case 'divider':
        return;
      case 'header':
        return this.text(value.text, l.headerTextMax, `${pointer}/text`, true);
      case 'section': {
        if (value.text === undefined && value.fields === undefined) return this.add(pointer, 'must provide text or fields');
        if (value.text !== undefined) this.text(value.text, l.sectionTextMax, `${pointer}/text`);
        if (value.fields !== undefined) {
          const fields = this.array(value.fields, 1, l.sectionFieldsMax, `${pointer}/fields`);
          fields.forEach((f, i) => this.text(f, l.sectionFieldTextMax, `${pointer}/fields/${i}`));
        }
        if (value.accessory !== undefined) this.element(value.accessory, `${pointer}/accessory`, actionIds);
        return;
      }
      case 'context': {
        const elements = this.array(value.elements, 1, l.contextElementsMax, `${pointer}/elements`);
        elements.forEach((e, i) => {
          if (isObject(e) && e.type === 'image') this.element(e, `${pointer}/elements/${i}`, actionIds);
          else this.text(e, l.textObjectMax, `${pointer}/elements/${i}`);
        });
        return;
      }
      case 'actions': {
        const elements = this.array(value.elements, 1, l.actionsElementsMax, `${pointer}/elements`);
        elements.forEach((e, i) => this.element(e, `${pointer}/elements/${i}`, actionIds));
        return;
      }
      case 'input':
        this.text(value.label, l.inputLabelMax, `${pointer}/label`, true);
        if (value.hint !== undefined) this.text(value.hint, l.inputHintMax, `${pointer}/hint`, true);
        if (value.element === undefined) return this.add(`${pointer}/element`, 'must provide an object');
        return this.element(value.element, `${pointer}/element`, actionIds);
      case 'image':
        this.requiredString(value.image_url, l.urlMax, `${pointer}/image_url`);
        this.requiredString(value.alt_text, 2000, `${pointer}/alt_text`);
        return;
      case 'rich_text':
        this.array(value.elements, 1, Number.MAX_SAFE_INTEGER, `${pointer}/elements`);
        return;
      default:
        this.add(pointer, 'failed to match all allowed schemas');
    }
  }

  blocks(value: unknown, surface: Surface, pointer: string): void {
    const max = surface === 'message' ? this.limits.messageBlocksMax : this.limits.viewBlocksMax;
    if (!Array.isArray(value)) return this.add(pointer, 'must provide an array');
    if (value.length > max) this.add(pointer, `must be less than ${max + 1} items`);
    const blockIds = new Set<string>();
    value.forEach((b, i) => this.block(b, `${pointer}/${i}`, blockIds));
  }
}

const limitsWith = (overrides?: Partial<SlackLimits>): SlackLimits => ({ ...SLACK_LIMITS, ...overrides });

/** Block problems for one surface, e.g. to assert a rendered card fits. */
export function blockProblems(blocks: unknown, surface: Surface, overrides?: Partial<SlackLimits>): LimitProblem[] {
  const checker = new Checker(limitsWith(overrides));
  checker.blocks(blocks, surface, '/blocks');
  return checker.problems;
}

export interface MessageContent {
  text?: unknown;
  blocks?: unknown;
  attachments?: unknown;
}

/** What chat.postMessage / chat.update / chat.postEphemeral / response_url would answer; null when Slack accepts it. */
export function checkMessageLimits(message: MessageContent, overrides?: Partial<SlackLimits>): SlackLimitError | null {
  const limits = limitsWith(overrides);
  const hasText = typeof message.text === 'string' && message.text.length > 0;
  const hasBlocks = Array.isArray(message.blocks) && message.blocks.length > 0;
  const hasAttachments = Array.isArray(message.attachments) && message.attachments.length > 0;
  if (message.blocks !== undefined && !Array.isArray(message.blocks)) {
    return { error: 'invalid_blocks_format', problems: [{ pointer: '/blocks', message: 'must provide an array' }] };
  }
  if (!hasText && !hasBlocks && !hasAttachments) return { error: 'no_text', problems: [] };
  if (typeof message.text === 'string' && codePointLength(message.text) > limits.messageTextMax) return { error: 'msg_too_long', problems: [] };
  if (message.blocks !== undefined) {
    const checker = new Checker(limits);
    checker.blocks(message.blocks, 'message', '/blocks');
    if (checker.problems.length) return { error: 'invalid_blocks', problems: checker.problems };
  }
  return null;
}

/** What views.open / views.update / views.push / views.publish would answer; null when Slack accepts it. */
export function checkViewLimits(view: unknown, overrides?: Partial<SlackLimits>): SlackLimitError | null {
  const limits = limitsWith(overrides);
  const checker = new Checker(limits);
  const base = '/view';
  if (!isObject(view)) {
    checker.add(base, 'must provide an object');
    return { error: 'invalid_arguments', problems: checker.problems };
  }
  if (view.type !== 'modal' && view.type !== 'home') checker.add(`${base}/type`, 'must be one of modal, home');
  const surface: Surface = view.type === 'home' ? 'home' : 'modal';
  if (surface === 'modal') checker.text(view.title, limits.viewTitleMax, `${base}/title`, true);
  else if (view.title !== undefined) checker.text(view.title, limits.viewTitleMax, `${base}/title`, true);
  for (const key of ['submit', 'close'] as const) {
    if (view[key] !== undefined && view[key] !== null) checker.text(view[key], limits.viewButtonMax, `${base}/${key}`, true);
  }
  checker.maxLen(view.private_metadata, limits.privateMetadataMax, `${base}/private_metadata`);
  checker.maxLen(view.callback_id, limits.callbackIdMax, `${base}/callback_id`);
  checker.maxLen(view.external_id, limits.callbackIdMax, `${base}/external_id`);
  checker.blocks(view.blocks, surface, `${base}/blocks`);
  const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObject(b) && b.type === 'input');
  if (surface === 'modal' && hasInput && (view.submit === undefined || view.submit === null)) {
    checker.add(`${base}/submit`, 'must provide submit when the view contains input blocks');
  }
  return checker.problems.length ? { error: 'invalid_arguments', problems: checker.problems } : null;
}
