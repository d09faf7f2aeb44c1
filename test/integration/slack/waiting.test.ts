/**
 * Issue 14 through Slack, end to end: a waiting request's approvers get reminder DMs (with the card's link and
 * working Approve / Deny), the card's thread says so, the requester pages the approvers once with "Urgent —
 * page approvers" (and `/access expedite`), the request escalates to a second group that may then approve, and
 * once decided the reminders' buttons are taken off.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { role, testPolicy } from '../../support/policy-fixture.ts';
import { ALICE, APPROVALS_CHANNEL, BOB, buttons, CAROL, MALLORY, SlackHarness, visible } from './harness.ts';

const M = 60_000;

function waitingPolicy() {
  return testPolicy([
    role('prod', {
      requesters: new Set(['alice@example.com']),
      approvers: new Set(['bob@example.com', 'carol@example.com']),
      requestTtlMs: 2 * 60 * M,
      waiting: {
        remindAfterMs: 10 * M,
        escalateAfterMs: 30 * M,
        escalation: { approvers: new Set(['mallory@example.com']), channel: { slack: 'C0GENERAL' } },
        expediteWebhook: null,
      },
    }),
  ]);
}

let h: SlackHarness;
beforeEach(async () => {
  h = await SlackHarness.start({ policy: waitingPolicy() });
});
afterEach(async () => h.close());

describe('a waiting request in Slack', () => {
  it('reminds approvers privately, pages them once on request, escalates, and retires the buttons once decided', async () => {
    await h.command(ALICE, '/request-access', 'prod 30m checkout is failing');
    const card = await h.card();
    const filed = await h.emu.waitFor(() => h.dms(ALICE)[0]);
    // The requester sees who was asked and when the next reminder and the escalation are, and can page them.
    expect(visible(filed)).toContain('Waiting for 1 approval from <@U0BOB>, <@U0CAROL>');
    expect(visible(filed)).toMatch(/Approvers are reminded .*; it escalates /);
    expect(buttons(filed.blocks)).toEqual(['request_cancel', 'request_expedite']);

    // Nine minutes: nothing yet. Ten: bob and carol each get one reminder, with the card's link and Approve / Deny.
    h.clock.advance(9 * M);
    await h.bot.scheduler.runOnce();
    await h.settle();
    expect(h.dms(BOB)).toEqual([]);
    h.clock.advance(1 * M);
    await h.bot.scheduler.runOnce();
    const reminder = await h.emu.waitFor(() => h.dms(BOB)[0]);
    expect(reminder.text).toMatch(/Reminder: <@U0ALICE> is still waiting for your review of AR-1/);
    expect(visible(reminder)).toContain(`https://${h.emu.team.domain}.slack.com/archives/${APPROVALS_CHANNEL.id}/p${card.ts.replace('.', '')}`);
    expect(buttons(reminder.blocks)).toEqual(['request_approve', 'request_deny']);
    await h.emu.waitFor(() => h.dms(CAROL)[0]);
    await h.bot.scheduler.runOnce();
    await h.settle();
    expect(h.dms(BOB)).toHaveLength(1);
    expect(h.dms(CAROL)).toHaveLength(1);
    const thread = () => h.emu.thread(APPROVALS_CHANNEL.id, card.ts).map((m) => m.text);
    expect(thread()).toEqual([expect.stringMatching(/Reminded <@U0BOB> and <@U0CAROL> \(waiting 10m\)/)]);

    // The requester pages the approvers: each gets an urgent DM at once; a second page is refused.
    await h.clickOnMessage(ALICE, 'request_expedite', '1', filed);
    expect(await h.ephemeral(ALICE, 1)).toMatch(/Paged <@U0BOB> and <@U0CAROL> about AR-1/);
    const urgent = await h.emu.waitFor(() => h.dms(BOB).find((m) => m.text.includes('Urgent')));
    expect(urgent.text).toMatch(/Urgent: <@U0ALICE> paged you about AR-1/);
    expect(buttons(urgent.blocks)).toEqual(['request_approve', 'request_deny']);
    await h.command(ALICE, '/access', 'expedite AR-1 please, it is down');
    expect(await h.ephemeral(ALICE, 2)).toMatch(/You already paged the approvers of AR-1 .* once/);
    await h.emu.waitFor(() => thread().find((t) => t.includes('Marked urgent')));

    // /access shows the waiting line; the page button is gone now that it was used.
    await h.command(ALICE, '/access', '');
    const mine = await h.ephemeral(ALICE, 3);
    expect(mine).toMatch(/Asked: <@U0BOB> and <@U0CAROL> · next reminder .* · escalates .* · you paged them/);
    expect(mine).not.toContain('request_expedite');

    // Before the delay mallory may not approve; at 30 minutes the request escalates to her (DM and channel post).
    await h.clickOnMessage(MALLORY, 'request_approve', '1', card);
    expect(await h.ephemeral(MALLORY)).toContain('You are not an approver for "prod".');
    h.clock.advance(20 * M);
    await h.bot.scheduler.runOnce();
    const escalated = await h.emu.waitFor(() => h.dms(MALLORY).find((m) => m.text.includes('Escalated to you')));
    expect(buttons(escalated.blocks)).toEqual(['request_approve', 'request_deny']);
    const post = await h.emu.waitFor(() => h.emu.messages('C0GENERAL').find((m) => m.text.includes('escalated to <@U0MALLORY>')));
    expect(visible(post)).toContain('Open the approval card');
    expect(buttons(post.blocks)).toEqual([]);
    await h.emu.waitFor(() => thread().find((t) => t.includes('Escalated after 30m')));

    await h.command(MALLORY, '/access', 'pending');
    expect(await h.ephemeral(MALLORY, 1)).toMatch(/AR-1/);
    expect(visible(h.emu.message(APPROVALS_CHANNEL.id, card.ts))).toContain('Can approve: <@U0BOB>, <@U0CAROL>, <@U0MALLORY>');

    // Mallory approves from her DM: the request is approved, and the reminders lose their buttons.
    await h.clickOnMessage(MALLORY, 'request_approve', '1', escalated);
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('is active until')));
    await h.settle();
    await h.emu.waitFor(() => (buttons(h.emu.message(BOB.id, reminder.ts)!.blocks).length === 0 ? true : undefined));
    expect(visible(h.emu.message(BOB.id, reminder.ts))).toContain('Approved by <@U0MALLORY>');
    expect(buttons(h.emu.message(BOB.id, urgent.ts)!.blocks)).toEqual([]);

    // Decided: no more reminders.
    const before = h.dms(BOB).length;
    h.clock.advance(20 * M);
    await h.bot.scheduler.runOnce();
    await h.settle();
    expect(h.dms(BOB)).toHaveLength(before);
  });
});
