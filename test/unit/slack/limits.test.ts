import { describe, expect, it } from 'vitest';
import { blockProblems, checkMessageLimits, checkViewLimits, limitErrorBody } from '../../../playground/slack-emulator/limits.ts';

const section = (text: string, block_id?: string) => ({ type: 'section', ...(block_id ? { block_id } : {}), text: { type: 'mrkdwn', text } });
const pointers = (problems: { pointer: string }[]) => problems.map((p) => p.pointer);

describe('Slack limit checks', () => {
  it('finds duplicate block_ids and duplicate action_ids within a block', () => {
    expect(pointers(blockProblems([section('a', 'x'), section('b', 'x')], 'message'))).toEqual(['/blocks/1/block_id']);
    const button = { type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: 'same' };
    expect(pointers(blockProblems([{ type: 'actions', elements: [button, button] }], 'message'))).toEqual(['/blocks/0/elements/1/action_id']);
  });

  it('refuses unknown block types, empty text, mrkdwn headers and headers over 150', () => {
    expect(blockProblems([{ type: 'marquee' }], 'message')[0]!.message).toBe('failed to match all allowed schemas');
    expect(pointers(blockProblems([section('')], 'message'))).toEqual(['/blocks/0/text/text']);
    expect(pointers(blockProblems([{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }], 'message'))).toEqual(['/blocks/0/text/type']);
    expect(pointers(blockProblems([{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], 'message'))).toEqual(['/blocks/0/text/text']);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(blockProblems([section('🔑'.repeat(3000))], 'message')).toEqual([]);
    expect(blockProblems([section('🔑'.repeat(3001))], 'message')).toHaveLength(1);
  });

  it('checks section fields, checkbox options and select options', () => {
    const fields = Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' }));
    expect(pointers(blockProblems([{ type: 'section', fields }], 'message'))).toEqual(['/blocks/0/fields']);
    const options = Array.from({ length: 11 }, (_, i) => ({ text: { type: 'plain_text', text: `o${i}` }, value: `${i}` }));
    const input = { type: 'input', block_id: 'c', label: { type: 'plain_text', text: 'C' }, element: { type: 'checkboxes', action_id: 'c', options } };
    expect(pointers(blockProblems([input], 'modal'))).toEqual(['/blocks/0/element/options']);
    const select = { ...input, element: { type: 'static_select', action_id: 's', options: options.slice(0, 2), initial_option: { text: { type: 'plain_text', text: 'x' }, value: 'nope' } } };
    expect(pointers(blockProblems([select], 'modal'))).toEqual(['/blocks/0/element/initial_option']);
  });

  it('needs submit on a modal with inputs, and limits private_metadata', () => {
    const input = { type: 'input', block_id: 'r', label: { type: 'plain_text', text: 'R' }, element: { type: 'plain_text_input', action_id: 'r' } };
    const modal = { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks: [input], private_metadata: 'm'.repeat(3001) };
    expect(pointers(checkViewLimits(modal)!.problems)).toEqual(['/view/private_metadata', '/view/submit']);
  });

  it('answers in Slack’s shape', () => {
    expect(checkMessageLimits({ text: '' })).toEqual({ error: 'no_text', problems: [] });
    expect(checkMessageLimits({ text: 'x', blocks: 'nope' })!.error).toBe('invalid_blocks_format');
    expect(limitErrorBody(checkMessageLimits({ blocks: [section('y'.repeat(3001))] })!)).toEqual({
      ok: false,
      error: 'invalid_blocks',
      errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
      response_metadata: { messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]'] },
    });
  });
});
