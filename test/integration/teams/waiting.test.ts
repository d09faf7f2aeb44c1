/**
 * Issue 14 in Teams, through the same chat layer as Slack: reminders reach approvers in their personal chats
 * with Approve / Deny, the requester pages them once ("Urgent — page approvers" or `access expedite`), and the
 * escalation group is told and may then approve from its own message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { role, testPolicy } from '../../support/policy-fixture.ts';
import { ALICE, APPROVALS, AUDIT, BOB, CAROL, DAVE, TeamsHarness, actionsOf, cardOf, visible } from './harness.ts';

const M = 60_000;

let h: TeamsHarness;
afterEach(async () => {
  await h?.close();
});

function waitingPolicy() {
  const base = testPolicy([
    role('prod', {
      requesters: new Set(['alice@example.com']),
      approvers: new Set(['bob@example.com', 'carol@example.com']),
      requestTtlMs: 2 * 60 * M,
      waiting: { remindAfterMs: 10 * M, escalateAfterMs: 30 * M, escalation: { approvers: new Set(['dave@example.com']) }, expediteWebhook: null },
    }),
  ]);
  return { ...base, channels: { approvals: { teams: APPROVALS }, audit: { teams: AUDIT } } };
}

const withText = (user: typeof BOB, text: string) => h.personalMessages(user).filter((m) => visible(m).includes(text));

describe('Teams: a waiting request', () => {
  it('reminds approvers privately, pages them once, and escalates to a group that may then approve', async () => {
    h = await TeamsHarness.start({ policy: waitingPolicy() });
    await h.installInTeam();
    for (const user of [ALICE, BOB, CAROL, DAVE]) await h.installPersonal(user);
    // Approvers named by email are reached once accessbot knows them in Teams (they have talked to it).
    for (const user of [BOB, CAROL, DAVE]) await h.say(user, 'help');
    await h.say(ALICE, 'request-access prod 30m checkout is failing');
    await h.settle();
    await h.card();
    const filed = withText(ALICE, 'was filed')[0]!;
    expect(visible(filed)).toMatch(/Approvers are reminded .*; it escalates/);
    expect(actionsOf(cardOf(filed)).map((a) => a.title)).toEqual(['Cancel request', 'Urgent — page approvers']);

    h.clock.advance(10 * M);
    await h.bot.scheduler.runOnce();
    await h.settle();
    const reminder = withText(BOB, 'Reminder')[0]!;
    expect(visible(reminder)).toMatch(/is still waiting for your review of AR-1/);
    expect(actionsOf(cardOf(reminder)).map((a) => a.title)).toEqual(['Approve', 'Deny']);
    expect(withText(CAROL, 'Reminder')).toHaveLength(1);

    const paged = await h.click(ALICE, filed, 'Urgent — page approvers');
    expect(String(paged.body?.value)).toMatch(/Paged bob@example.com and carol@example.com about AR-1/);
    await h.settle();
    expect(withText(BOB, 'Urgent')).toHaveLength(1);
    await h.say(ALICE, 'access expedite AR-1 still down');
    await h.settle();
    expect(h.personalMessages(ALICE).map((m) => visible(m)).join('\n')).toMatch(/You already paged the approvers of AR-1/);

    h.clock.advance(20 * M);
    await h.bot.scheduler.runOnce();
    await h.settle();
    const escalated = withText(DAVE, 'Escalated to you')[0]!;
    const approved = await h.click(DAVE, escalated, 'Approve');
    expect(String(approved.body?.value)).toBe('✅ You approved AR-1.');
    await h.settle();
    expect(h.provider.count('grant')).toBe(1);
  });
});
