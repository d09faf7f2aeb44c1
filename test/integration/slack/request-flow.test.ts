/** The whole journey through Slack: request → card → refusals → approve → grant → DM → expiry → revoke. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stateValue } from '../../../playground/slack-emulator/index.ts';
import { ALICE, APPROVALS_CHANNEL, BOB, buttons, CAROL, MALLORY, SlackHarness, slackTestPolicy, visible } from './harness.ts';

let h: SlackHarness;
beforeEach(async () => {
  h = await SlackHarness.start();
});
afterEach(async () => h.close());

const M = 60_000;

describe('a request filed with /request-access', () => {
  it('goes from the command to an approved, granted and finally revoked access, with everyone seeing the right thing', async () => {
    const response = await h.command(ALICE, '/request-access', 'readonly 30m checking INC-123 <!channel>');
    expect(response.status).toBe(200);

    // The requester hears back privately; nothing is posted in #general.
    expect(await h.ephemeral(ALICE)).toMatch(/Filed AR-1 \*readonly\* on `orders-db` for 30m/);
    expect(h.emu.messages('C0GENERAL')).toEqual([]);

    // The approval card: who, what, why (escaped), and Approve/Deny carrying only the request id.
    const card = await h.card();
    expect(card.channel).toBe(APPROVALS_CHANNEL.id);
    expect(visible(card)).toContain('<@U0ALICE>');
    expect(visible(card)).toContain('checking INC-123 &lt;!channel&gt;');
    expect(buttons(card.blocks)).toEqual(['request_approve', 'request_deny']);
    // Who can approve: approvers the policy names by email are @-mentioned (a bot account stays an email);
    // the requester, though an approver of the role, is not listed.
    expect(visible(card)).toContain('Can approve: <@U0BOB>, <@U0CAROL>, robot@example.com');
    const approve = JSON.stringify(card.blocks).match(/"action_id":"request_approve","value":"(\d+)"/);
    expect(approve?.[1]).toBe('1');
    // The requester's DM: filed, with a Cancel button.
    const filedDm = await h.emu.waitFor(() => h.dms(ALICE)[0]);
    expect(visible(filedDm)).toMatch(/Your request AR-1 .* was filed/);
    expect(visible(filedDm)).toContain('Waiting for 1 approval from <@U0BOB>, <@U0CAROL>, robot@example.com');
    expect(buttons(filedDm.blocks)).toEqual(['request_cancel', 'request_expedite']);

    // The requester's own click is refused, privately, and changes nothing.
    await h.clickOnMessage(ALICE, 'request_approve', '1', card);
    expect(await h.ephemeral(ALICE, 1)).toContain('You cannot approve your own request.');
    // Someone who is not an approver: refused, with a hint for the admin.
    await h.clickOnMessage(MALLORY, 'request_approve', '1', card);
    const refusal = await h.ephemeral(MALLORY);
    expect(refusal).toContain('You are not an approver for "readonly".');
    expect(refusal).toContain('your Slack id is U0MALLORY, email mallory@example.com');
    await h.settle();
    expect(h.provider.count('grant')).toBe(0);
    expect(h.cards()[0]!.history).toHaveLength(1);

    // Bob approves: the grant is applied at the target once.
    await h.clickOnMessage(BOB, 'request_approve', '1', card);
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('is active until')));
    expect(h.provider.count('grant')).toBe(1);
    expect([...h.provider.held.values()][0]).toBe(h.clock.now() + 30 * M);

    // The card now says who approved, and has no buttons.
    await h.settle();
    const updated = h.emu.message(APPROVALS_CHANNEL.id, card.ts)!;
    expect(visible(updated)).toContain('Approved by <@U0BOB>');
    expect(visible(updated)).toContain('Access active until');
    expect(buttons(updated.blocks)).toEqual([]);
    expect(h.cards()).toHaveLength(1);
    // Its thread tells the story.
    const thread = h.emu.thread(APPROVALS_CHANNEL.id, card.ts).map((m) => m.text);
    expect(thread).toEqual([expect.stringContaining('Approved by <@U0BOB>'), expect.stringContaining('Access granted to <@U0ALICE>')]);
    // The requester's DMs: filed, approved (by whom), active (with End access now).
    const dms = h.dms(ALICE).map((m) => m.text);
    expect(dms).toEqual([expect.stringContaining('was filed'), expect.stringContaining('was approved by'), expect.stringContaining('is active until')]);
    expect(buttons(h.dms(ALICE)[2]!.blocks)).toEqual(['grant_revoke']);
    // The filed DM lost its Cancel button and says what happened; an old click on it still gets a clear answer.
    const filedNow = h.dms(ALICE)[0]!;
    expect(buttons(filedNow.blocks)).toEqual([]);
    expect(visible(filedNow)).toMatch(/was filed[\s\S]*Approved by <@U0BOB>/);
    await h.clickOnMessage(ALICE, 'request_cancel', '1', filedNow);
    expect(await h.ephemeral(ALICE, 2)).toBe('This request is already approved; nothing to cancel.');

    // Time passes: the access expires and is revoked at the target; everyone is told.
    h.clock.advance(30 * M + 1000);
    await h.bot.scheduler.runOnce();
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('expired')));
    expect(h.provider.count('revoke')).toBe(1);
    expect(h.provider.held.size).toBe(0);
    await h.settle();
    expect(h.emu.thread(APPROVALS_CHANNEL.id, card.ts).at(-1)!.text).toMatch(/Access expired/);
    expect(visible(h.emu.message(APPROVALS_CHANNEL.id, card.ts))).toMatch(/Access expired/);
    // "End access now" is gone from the DM that announced the access.
    const activeNow = h.dms(ALICE)[2]!;
    expect(buttons(activeNow.blocks)).toEqual([]);
    expect(visible(activeNow)).toMatch(/is active until[\s\S]*Access expired/);
  });

  it('a second approver finds the request already decided, and nothing changes', async () => {
    await h.command(ALICE, '/request-access', 'readonly 30m checking');
    const card = await h.card();
    await h.clickOnMessage(BOB, 'request_approve', '1', card);
    await h.emu.waitFor(() => h.ephemeralsFor(BOB)[0]);
    await h.clickOnMessage(CAROL, 'request_approve', '1', card);
    expect(await h.ephemeral(CAROL)).toMatch(/already approved by bob/);
    await h.settle();
    expect(h.provider.count('grant')).toBe(1);
  });

  it('a request filed through the form: only requestable roles offered, mistakes shown in the form', async () => {
    await h.command(ALICE, '/request-access', '');
    const opened = await h.emu.waitFor(() => h.emu.views.find((v) => v.via === 'open'));
    const form = opened.view;
    expect(form.callback_id).toBe('request_access_modal');
    const roleBlock = (form.blocks as { block_id: string; element: { options?: { value: string }[] } }[]).find((b) => b.block_id === 'role')!;
    expect(roleBlock.element.options!.map((o) => o.value)).toEqual(['readonly', 'writer', 'breakglass']);

    const values = (over: Partial<Record<string, ReturnType<typeof stateValue.text>>>) => ({
      role: { role: stateValue.select('writer') },
      duration: { duration: stateValue.text('2h') },
      reason: { reason: stateValue.text('hot fix') },
      ticket: { ticket: stateValue.text(null) },
      ...Object.fromEntries(Object.entries(over).map(([k, v]) => [k, { [k]: v! }])),
    });
    const bad = [
      [{ duration: stateValue.text('2 hours') }, 'duration', /"2 hours" is not a duration/],
      [{ duration: stateValue.text('9h') }, 'duration', /longer than "writer" allows \(at most 4h\)/],
      [{ reason: stateValue.text('   ') }, 'reason', /Please say why/],
      [{}, 'ticket', /^"writer" needs a ticket: enter its id here.$/],
      [{ ticket: stateValue.text('JIRA-1') }, 'ticket', /does not look right/],
      [{ role: stateValue.select('readonly'), break_glass: stateValue.checkboxes(['break_glass']) }, 'break_glass', /^"readonly" does not allow break-glass: untick this box to file a normal request\.$/],
    ] as const;
    for (const [override, field, message] of bad) {
      const response = await h.submit(ALICE, form, values(override));
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ response_action: 'errors', errors: { [field]: expect.stringMatching(message) } });
    }
    await h.settle();
    expect(h.cards()).toEqual([]);

    const ok = await h.submit(ALICE, form, values({ ticket: stateValue.text('INC-7') }));
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');
    const card = await h.card();
    expect(visible(card)).toContain('INC-7');
    expect(visible(card)).toContain('0 of 2');
  });
});

describe('per-role routing of approval cards', () => {
  it("posts a role's cards to its own approvals channel, and every other role's to the policy's", async () => {
    await h.close();
    const base = slackTestPolicy();
    const policy = { ...base, roles: { ...base.roles, writer: { ...base.roles.writer!, approvalsChannel: { slack: 'C0GENERAL' } } } };
    h = await SlackHarness.start({ policy });

    await h.command(ALICE, '/request-access', 'writer 1h fix the index --ticket INC-9');
    const routed = await h.emu.waitFor(() => h.emu.messages('C0GENERAL').find((m) => !m.threadTs));
    expect(visible(routed)).toContain('AR-1');
    expect(h.emu.messages(APPROVALS_CHANNEL.id)).toEqual([]);

    await h.command(BOB, '/request-access', 'readonly 30m look at orders');
    const card = await h.card();
    expect(card.channel).toBe(APPROVALS_CHANNEL.id);
    expect(visible(card)).toContain('AR-2');
    // Approving the routed request updates the card where it is.
    await h.clickOnMessage(BOB, 'request_approve', '1', { channel: 'C0GENERAL', ts: routed.ts });
    await h.clickOnMessage(CAROL, 'request_approve', '1', { channel: 'C0GENERAL', ts: routed.ts });
    await h.emu.waitFor(() => (/approved/i.test(visible(h.emu.message('C0GENERAL', routed.ts))) ? true : undefined));
    expect(h.emu.messages(APPROVALS_CHANNEL.id).filter((m) => !m.threadTs)).toHaveLength(1);
  });
});
