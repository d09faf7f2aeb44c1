import { describe, expect, it } from 'vitest';
import type { types } from '@slack/bolt';
import { checkViewLimits, codePointLength } from '../../../playground/slack-emulator/limits.ts';
import { stateValue } from '../../../playground/slack-emulator/state-values.ts';
import type { RoleChoice } from '../../../src/chat/index.ts';
import { credentialsModal, denyModal, extendModal, parseDenyModal, parseExtendModal, parseRequestModal, requestModal } from '../../../adapters/slack/render/index.ts';
import { allText, grantView, requestView } from '../../support/slack-views.ts';

const readonly: RoleChoice = { name: 'readonly', description: 'Read-only SQL', maxDurationMs: 4 * 3_600_000, defaultDurationMs: 3_600_000, requireTicket: null, breakGlass: false };
const admin: RoleChoice = { name: 'admin', description: 'Full access', maxDurationMs: 3_600_000, defaultDurationMs: 30 * 60_000, requireTicket: '^INC-[0-9]+$', breakGlass: true };

type Input = { type: 'input'; block_id: string; optional?: boolean; element: Record<string, unknown> };
const inputs = (view: { blocks: unknown[] }): Input[] => view.blocks.filter((b): b is Input => (b as { type: string }).type === 'input');

describe('requestModal', () => {
  it('offers only the given roles, with the default duration filled in', () => {
    const modal = requestModal([readonly]);
    expect(modal).toMatchObject({ type: 'modal', callback_id: 'request_access_modal', title: { text: 'Request access' }, submit: { text: 'Request' } });
    const [role, duration, reason, ticket, ...rest] = inputs(modal);
    expect(role!.element).toMatchObject({ type: 'static_select', action_id: 'role', initial_option: { value: 'readonly' } });
    expect((role!.element.options as { value: string }[]).map((o) => o.value)).toEqual(['readonly']);
    expect(duration!.element).toMatchObject({ type: 'plain_text_input', action_id: 'duration', initial_value: '1h' });
    expect(reason!.element).toMatchObject({ multiline: true, max_length: 3000 });
    expect(ticket!.optional).toBe(true);
    expect(rest).toEqual([]); // no break-glass checkbox: no role allows it
    expect(checkViewLimits(modal)).toBeNull();
  });

  it('adds the break-glass checkbox only when some role allows it, and preselects a requested role', () => {
    const modal = requestModal([readonly, admin], { initialRole: 'admin', privateMetadata: '{"channel":"C1"}' });
    const blocks = inputs(modal);
    expect(blocks.map((b) => b.block_id)).toEqual(['role', 'duration', 'reason', 'ticket', 'break_glass']);
    expect(blocks[0]!.element).toMatchObject({ initial_option: { value: 'admin' } });
    expect(blocks[1]!.element).toMatchObject({ initial_value: '30m' });
    expect(allText(modal)).toContain('Required for admin');
    expect(modal.private_metadata).toBe('{"channel":"C1"}');
    expect(checkViewLimits(modal)).toBeNull();
  });

  it('says so when the person may request nothing, with no submit button', () => {
    const modal = requestModal([]);
    expect(modal.submit).toBeUndefined();
    expect(allText(modal)).toContain('You may not request any role yet');
    expect(checkViewLimits(modal)).toBeNull();
  });

  it('stays within limits with 150 roles with long names and descriptions', () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ ...readonly, name: `role-${i}-${'x'.repeat(100)}`.slice(0, 140), description: 'd'.repeat(500) }));
    expect(checkViewLimits(requestModal(many))).toBeNull();
  });

  it('parseRequestModal reads Slack state.values into plain values', () => {
    const values = {
      role: { role: stateValue.select('admin') },
      duration: { duration: stateValue.text(' 45m ') },
      reason: { reason: stateValue.text('fix INC-9') },
      ticket: { ticket: stateValue.text(null) },
      break_glass: { break_glass: stateValue.checkboxes(['break_glass']) },
    };
    expect(parseRequestModal(values)).toEqual({ role: 'admin', duration: '45m', reason: 'fix INC-9', ticket: '', breakGlass: true });
    expect(parseRequestModal({ role: { role: stateValue.select(null) } })).toEqual({ role: '', duration: '', reason: '', ticket: '', breakGlass: false });
    expect(parseRequestModal('garbage')).toEqual({ role: '', duration: '', reason: '', ticket: '', breakGlass: false });
  });
});

describe('denyModal and extendModal', () => {
  it('deny carries the request id in private_metadata and asks for a reason', () => {
    const modal = denyModal(requestView({ reason: '<!channel> please' }));
    expect(modal).toMatchObject({ callback_id: 'request_deny_modal', private_metadata: '42', title: { text: 'Deny AR-42' } });
    expect(inputs(modal)[0]).toMatchObject({ block_id: 'reason', element: { action_id: 'reason', multiline: true } });
    expect(allText(modal)).not.toContain('<!channel>');
    expect(checkViewLimits(modal)).toBeNull();
    expect(parseDenyModal({ reason: { reason: stateValue.text('not now') } })).toEqual({ reason: 'not now' });
  });

  it('extend asks for a duration and shows when the access ends', () => {
    const modal = extendModal(requestView({ status: 'approved', grant: grantView() }), { maxExtraMs: 3 * 3_600_000 });
    expect(modal).toMatchObject({ callback_id: 'grant_extend_modal', private_metadata: '42' });
    expect(inputs(modal).map((b) => b.block_id)).toEqual(['duration', 'reason']);
    expect(allText(modal)).toContain('At most 3h more');
    expect(allText(modal)).toMatch(/ends <!date\^/);
    expect(checkViewLimits(modal)).toBeNull();
    expect(parseExtendModal({ duration: { duration: stateValue.text('30m') }, reason: { reason: stateValue.text(null) } })).toEqual({ duration: '30m', reason: '' });
  });
});

describe('credentialsModal', () => {
  const view = requestView({ status: 'approved', grant: grantView({ hasCredentials: true }) });

  it('shows each credential in a code block, marked private, clearing on close', () => {
    const modal = credentialsModal({ username: 'ab_x1', password: 'p<a>s&s' }, view);
    expect(modal.title.text).toBe('Your credentials');
    expect(codePointLength(modal.title.text)).toBeLessThanOrEqual(24);
    expect(modal.clear_on_close).toBe(true);
    expect(modal.submit).toBeUndefined();
    const text = allText(modal.blocks);
    expect(text).toContain('Only you can see this');
    expect(text).toContain('*username*\n```ab_x1```');
    expect(text).toContain('*password*\n```p&lt;a&gt;s&amp;s```');
    expect(text).toMatch(/Valid until <!date\^/);
    expect(checkViewLimits(modal)).toBeNull();
  });

  it('splits a very long value across sections without breaking entities', () => {
    const modal = credentialsModal({ cert: '&'.repeat(7000) }, view);
    expect(checkViewLimits(modal)).toBeNull();
    const sections = allText(modal.blocks).match(/```[^`]*```/g)!;
    expect(sections.length).toBeGreaterThan(1);
    expect(sections.join('').replace(/```/g, '')).toBe('&amp;'.repeat(7000));
  });
});

describe('type compatibility with Bolt', () => {
  it('renders values Bolt accepts as views', () => {
    const views: types.View[] = [requestModal([readonly]), denyModal(requestView()), credentialsModal({ a: 'b' }, requestView())];
    expect(views).toHaveLength(3);
  });
});
