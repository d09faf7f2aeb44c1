/**
 * Policies and requests at the edges of size — long role names and descriptions, hundreds of approvers, many
 * approvals, long tickets and reasons — through the real Bolt app: the emulator rejects anything over Slack's
 * documented limits, so every post, update, form and Home must be accepted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stateValue } from '../../../playground/slack-emulator/index.ts';
import type { EmulatedUser } from '../../../playground/slack-emulator/index.ts';
import { role, testPolicy } from '../../support/policy-fixture.ts';
import { ALICE, APPROVALS_CHANNEL, AUDIT_CHANNEL, BOB, SlackHarness, visible } from './harness.ts';

let h: SlackHarness;
afterEach(async () => h?.close());

const M = 60_000;
const APPROVERS: EmulatedUser[] = Array.from({ length: 12 }, (_, i) => ({ id: `U0APP${String(i).padStart(3, '0')}`, name: `approver${i}`, email: `approver${i}@example.com` }));

describe('Slack limits with big policies and long inputs', () => {
  it('every post, update, form and Home is accepted by Slack', async () => {
    const longName = `role-${'n'.repeat(140)}`; // fits a select option's value (150)
    const tooLong = `role-${'z'.repeat(200)}`; // does not: left out of the form, still usable by command
    const approvers = new Set([...APPROVERS.map((u) => u.email!), ...Array.from({ length: 400 }, (_, i) => `person${i}@example.com`), 'bob@example.com']);
    const requesters = new Set(['alice@example.com']);
    const description = `Everything about this role <!channel> ${'d'.repeat(5000)}`;
    const policy = testPolicy([
      role(longName, { requesters, approvers, approvalsRequired: 12, description, requireTicket: '' }),
      role(tooLong, { requesters, approvers, description }),
      ...Array.from({ length: 120 }, (_, i) => role(`extra-${i}`, { requesters, approvers, description })),
    ]);
    h = await SlackHarness.start({ policy, users: [ALICE, BOB, ...APPROVERS] });

    // The form: at most 100 roles offered, none whose name Slack could not carry.
    await h.command(ALICE, '/request-access', '');
    const form = await h.emu.waitFor(() => h.emu.views.find((v) => v.view.callback_id === 'request_access_modal'));
    const options = (form.view.blocks as { block_id: string; element: { options?: { value: string }[] } }[]).find((b) => b.block_id === 'role')!.element.options!;
    expect(options.length).toBeLessThanOrEqual(100);
    expect(options.map((o) => o.value)).not.toContain(tooLong);

    const ticket = `T-${'9'.repeat(190)}`;
    const ok = await h.submit(ALICE, form.view, {
      role: { role: stateValue.select(longName) },
      duration: { duration: stateValue.text('1h') },
      reason: { reason: stateValue.text(`${'<@U0BOB> '.repeat(200)}${'r'.repeat(3000)}`.slice(0, 3000)) },
      ticket: { ticket: stateValue.text(ticket) },
    });
    expect(ok.text).toBe('');
    const card = await h.card();
    await h.command(ALICE, '/request-access', `${tooLong} 30m by command`);
    await h.command(ALICE, '/request-access', 'help');
    await h.command(BOB, '/access', 'pending');
    await h.openHome(BOB);
    await h.openHome(ALICE);
    await h.emu.waitFor(() => (h.cards().length === 2 ? true : null));

    // Twelve approvals, each updating the card and replying in its thread.
    for (const approver of APPROVERS) await h.clickOnMessage(approver, 'request_approve', '1', card);
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('is active until')), 5000);
    h.clock.advance(61 * M);
    await h.bot.scheduler.runOnce();
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('expired')), 5000);
    await h.settle();

    // (Approvers the workspace does not have are simply not found; everything else must be accepted.)
    expect(h.emu.calls.filter((c) => c.response.ok === false && c.response.error !== 'users_not_found')).toEqual([]);
    expect(h.emu.callsTo('users.lookupByEmail').length).toBeLessThanOrEqual(2 * 25);
    const final = h.emu.message(APPROVALS_CHANNEL.id, card.ts)!;
    expect(visible(final)).toContain('Approved by <@U0APP000>');
    expect(visible(final)).not.toContain('<!channel>');
    expect(h.emu.messages(AUDIT_CHANNEL.id)).toEqual([]);
  });
});
