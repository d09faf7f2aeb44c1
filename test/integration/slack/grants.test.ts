/** Buttons after approval: credentials shown only to the holder, extend via a form, revoke; deny with a reason; App Home. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stateValue } from '../../../playground/slack-emulator/index.ts';
import { ALICE, APPROVALS_CHANNEL, BOB, buttons, CAROL, SlackHarness, visible } from './harness.ts';

let h: SlackHarness;
beforeEach(async () => {
  h = await SlackHarness.start();
});
afterEach(async () => h.close());

const M = 60_000;

async function approvedReadonly(duration = '1h'): Promise<void> {
  await h.command(ALICE, '/request-access', `readonly ${duration} investigating`);
  const card = await h.card();
  await h.clickOnMessage(BOB, 'request_approve', '1', card);
  await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('is active until')));
  await h.settle();
}

describe('credentials', () => {
  it('are shown only to the holder, only in a modal, only while the access is active — never in a message or a log', async () => {
    h.provider.credentials = { username: 'ab_user_1', password: 'S3cret-pa55word-xyz' };
    await approvedReadonly();
    const activeDm = h.dms(ALICE).find((m) => m.text.includes('is active until'))!;
    expect(buttons(activeDm.blocks)).toEqual(['grant_show_credentials', 'grant_revoke']);

    await h.clickOnMessage(BOB, 'grant_show_credentials', '1', activeDm);
    expect(await h.ephemeral(BOB, 1)).toMatch(/Only the holder of this access can see its credentials/);

    await h.clickOnMessage(ALICE, 'grant_show_credentials', '1', activeDm);
    const modal = await h.emu.waitFor(() => h.emu.views.find((v) => v.view.callback_id === 'grant_credentials_modal'));
    expect(modal.user).toBe(ALICE.id);
    expect(JSON.stringify(modal.view.blocks)).toContain('S3cret-pa55word-xyz');
    expect(modal.view.clear_on_close).toBe(true);

    // The holder's App Home offers them too; the modal opens from there.
    await h.openHome(ALICE);
    const home = await h.emu.waitFor(() => h.emu.homeView(ALICE.id));
    expect(buttons(home.blocks as unknown[])).toContain('grant_show_credentials');
    await h.clickInView(ALICE, 'grant_show_credentials', '1', home);
    await h.emu.waitFor(() => (h.emu.views.filter((v) => v.view.callback_id === 'grant_credentials_modal').length === 2 ? true : null));

    await h.command(ALICE, '/access', 'revoke AR-1');
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => /was revoked/.test(m.text)));
    await h.clickOnMessage(ALICE, 'grant_show_credentials', '1', activeDm);
    expect(await h.emu.waitFor(() => h.ephemeralsFor(ALICE).find((e) => /AR-1 has ended, so there are no credentials to show \(they stopped working when it ended\)/.test(e.text)))).toBeTruthy();

    await h.settle();
    const everythingPosted = JSON.stringify([h.emu.messages(), h.emu.ephemerals]);
    expect(everythingPosted).not.toContain('S3cret-pa55word-xyz');
    const logs = h.logs.join('');
    expect(logs).not.toContain('S3cret-pa55word-xyz');
    expect(logs).not.toContain(h.emu.botToken);
    expect(logs).not.toContain('slack-adapter-test-signing-secret');
  });
});

describe('extending', () => {
  it('the reminder DM offers Extend; the form files an extension the approvers approve; the grant moves', async () => {
    await approvedReadonly('1h');
    h.clock.advance(56 * M);
    await h.bot.scheduler.runOnce();
    const reminder = await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('ends')));
    expect(buttons(reminder.blocks)).toEqual(['grant_extend_open']);

    await h.clickOnMessage(BOB, 'grant_extend_open', '1', reminder);
    expect(await h.ephemeral(BOB, 1)).toMatch(/Only the holder of this access can ask to extend it/);
    await h.clickOnMessage(ALICE, 'grant_extend_open', '1', reminder);
    const form = await h.emu.waitFor(() => h.emu.views.find((v) => v.view.callback_id === 'grant_extend_modal'));
    expect(JSON.stringify(form.view.blocks)).toContain('At most 3h more.');

    const tooLong = await h.submit(ALICE, form.view, { duration: { duration: stateValue.text('5h') }, reason: { reason: stateValue.text(null) } });
    expect(tooLong.json).toMatchObject({ response_action: 'errors', errors: { duration: expect.stringMatching(/you can extend by at most 3h/) } });
    const notADuration = await h.submit(ALICE, form.view, { duration: { duration: stateValue.text('a bit') }, reason: { reason: stateValue.text(null) } });
    expect(notADuration.json).toMatchObject({ errors: { duration: expect.stringMatching(/"a bit" is not a duration/) } });
    const ok = await h.submit(ALICE, form.view, { duration: { duration: stateValue.text('1h') }, reason: { reason: stateValue.text('migration is slow') } });
    expect(ok.text).toBe('');

    const extensionCard = await h.card(1);
    expect(visible(extensionCard)).toMatch(/Extension AR-2/);
    await h.clickOnMessage(CAROL, 'request_approve', '2', extensionCard);
    const originalCard = h.cards()[0]!;
    await h.emu.waitFor(() => h.emu.thread(APPROVALS_CHANNEL.id, originalCard.ts).find((m) => m.text.includes('Extended')));
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('was extended')));
    await h.settle();
    // One DM says the new end; the extension's approval does not also claim access is being "set up".
    expect(h.dms(ALICE).filter((m) => /Setting up access/.test(m.text) && m.text.includes('AR-2'))).toEqual([]);
    expect(h.provider.count('extend')).toBe(1);
    expect([...h.provider.held.values()][0]).toBe(h.clock.now() - 56 * M + 2 * 60 * M);
  });
});

describe('deny', () => {
  it('Deny opens a form for the reason; the requester reads it in a DM; the card says who and why', async () => {
    await h.command(ALICE, '/request-access', 'readonly 1h please');
    const card = await h.card();
    await h.clickOnMessage(ALICE, 'request_deny', '1', card);
    expect(await h.ephemeral(ALICE, 1)).toMatch(/This is your own request, so you cannot deny it\. To withdraw it, use Cancel request in my DM about it, or `\/access cancel AR-1`\./);
    expect(h.emu.views).toEqual([]);

    // Slack refuses the trigger (it expired while we looked Bob up): he is told to press again, not "something went wrong".
    h.emu.failNext('views.open', { error: 'expired_trigger_id' });
    await h.clickOnMessage(BOB, 'request_deny', '1', card);
    expect(await h.ephemeral(BOB)).toBe('Slack did not let me open the form in time (it allows only a few seconds after a click). Please press Deny again.');
    await h.clickOnMessage(BOB, 'request_deny', '1', card);
    const form = await h.emu.waitFor(() => h.emu.views.find((v) => v.view.callback_id === 'request_deny_modal'));
    expect(form.view.private_metadata).toBe('1');
    const response = await h.submit(BOB, form.view, { reason: { reason: stateValue.text('use the replica <@U0CAROL>') } });
    expect(response.text).toBe('');
    const dm = await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('denied')));
    expect(visible(dm)).toContain('use the replica &lt;@U0CAROL&gt;');
    await h.settle();
    const shown = h.emu.message(APPROVALS_CHANNEL.id, card.ts)!;
    expect(visible(shown)).toMatch(/Denied by <@U0BOB>: use the replica &lt;@U0CAROL&gt;/);
    expect(buttons(shown.blocks)).toEqual([]);
    expect(h.provider.count('grant')).toBe(0);
  });
});

describe('two approvals', () => {
  it('the first approval is recorded and shown; the second grants', async () => {
    await h.command(ALICE, '/request-access', 'writer 2h hotfix --ticket INC-42');
    const card = await h.card();
    expect(visible(card)).toContain('0 of 2');
    await h.clickOnMessage(BOB, 'request_approve', '1', card);
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('approved your request')));
    await h.settle();
    expect(visible(h.emu.message(APPROVALS_CHANNEL.id, card.ts))).toMatch(/1 of 2 — <@U0BOB>/);
    // Bob has approved, so he is no longer among those who can.
    expect(visible(h.emu.message(APPROVALS_CHANNEL.id, card.ts))).toContain('Can approve: <@U0CAROL>, robot@example.com');
    expect(buttons(h.emu.message(APPROVALS_CHANNEL.id, card.ts)!.blocks)).toEqual(['request_approve', 'request_deny']);
    expect(h.provider.count('grant')).toBe(0);

    await h.clickOnMessage(BOB, 'request_approve', '1', card);
    expect(await h.ephemeral(BOB, 1)).toMatch(/already reviewed/);
    await h.clickOnMessage(CAROL, 'request_approve', '1', card);
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('is active until')));
    expect(h.provider.count('grant')).toBe(1);
    await h.settle();
    expect(visible(h.emu.message(APPROVALS_CHANNEL.id, card.ts))).toMatch(/Approved by <@U0BOB> and <@U0CAROL>/);
    expect(h.emu.thread(APPROVALS_CHANNEL.id, card.ts).map((m) => m.text)).toEqual([
      expect.stringMatching(/<@U0BOB> approved \(1 of 2\)/),
      expect.stringMatching(/Approved by <@U0BOB> and <@U0CAROL>/),
      expect.stringMatching(/Access granted/),
    ]);
  });
});

describe('App Home', () => {
  it('shows my access, my pending requests and what waits for my review, and stays fresh', async () => {
    await h.openHome(BOB);
    const empty = await h.emu.waitFor(() => h.emu.homeView(BOB.id));
    expect(visible({ text: '', blocks: empty.blocks as unknown[] })).toContain('Nothing waits for you.');

    await h.command(ALICE, '/request-access', 'writer 2h hotfix --ticket INC-42');
    await h.card();
    await h.settle();
    const bobsHome = h.emu.homeView(BOB.id)!;
    expect(JSON.stringify(bobsHome.blocks)).toMatch(/<@U0ALICE> wants \*writer\*/);

    await h.openHome(ALICE);
    const alicesHome = await h.emu.waitFor(() => h.emu.homeView(ALICE.id));
    expect(JSON.stringify(alicesHome.blocks)).toMatch(/AR-1 · 2h/);

    // Approving from App Home: no popup on success, the Homes refresh.
    await h.clickInView(BOB, 'request_approve', '1', bobsHome);
    await h.emu.waitFor(() => (JSON.stringify(h.emu.homeView(ALICE.id)?.blocks).includes('1 of 2') ? true : null));
    await h.settle();
    expect(h.emu.views.filter((v) => v.via === 'open')).toEqual([]);
    expect(JSON.stringify(h.emu.homeView(BOB.id)!.blocks)).toContain('Nothing waits for you.');

    // A refused click in App Home answers in a small modal.
    await h.clickInView(BOB, 'request_approve', '1', bobsHome);
    const notice = await h.emu.waitFor(() => h.emu.views.find((v) => v.via === 'open'));
    expect(JSON.stringify(notice.view.blocks)).toMatch(/already reviewed/);

    // The Home's "Request access" button opens the form.
    await h.clickInView(ALICE, 'request_open_modal', 'new', alicesHome);
    await h.emu.waitFor(() => h.emu.views.find((v) => v.view.callback_id === 'request_access_modal'));
  });

  it('an approver who opened it long ago (identity cache expired) still sees new requests appear', async () => {
    await h.openHome(BOB);
    await h.emu.waitFor(() => h.emu.homeView(BOB.id));
    h.clock.advance(11 * M);
    await h.command(ALICE, '/request-access', 'writer 2h hotfix --ticket INC-42');
    await h.card();
    const refreshed = await h.emu.waitFor(() => (JSON.stringify(h.emu.homeView(BOB.id)?.blocks).includes('wants *writer*') ? h.emu.homeView(BOB.id) : null));
    expect(JSON.stringify(refreshed!.blocks)).toMatch(/<@U0ALICE> wants \*writer\*/);
  });

  it('Revoke clicked in the Home shows "being removed" at once, while the target is still working', async () => {
    await approvedReadonly();
    await h.openHome(ALICE);
    const home = await h.emu.waitFor(() => h.emu.homeView(ALICE.id));
    expect(buttons(home.blocks as unknown[])).toEqual(['request_open_modal', 'grant_extend_open', 'grant_revoke']);
    h.provider.delayMs = 2000;
    await h.clickInView(ALICE, 'grant_revoke', '1', home);
    const removing = await h.emu.waitFor(() => (JSON.stringify(h.emu.homeView(ALICE.id)?.blocks).includes('Being removed') ? h.emu.homeView(ALICE.id) : null), 1500);
    expect(h.provider.held.size).toBe(1);
    expect(buttons(removing!.blocks as unknown[])).toEqual(['request_open_modal']);
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => /was revoked/.test(m.text)), 5000);
  });

  it('/access revoke refreshes the holder\'s Home at once too', async () => {
    await approvedReadonly();
    await h.openHome(ALICE);
    await h.emu.waitFor(() => h.emu.homeView(ALICE.id));
    h.provider.delayMs = 2000;
    await h.command(ALICE, '/access', 'revoke AR-1');
    await h.emu.waitFor(() => (JSON.stringify(h.emu.homeView(ALICE.id)?.blocks).includes('Being removed') ? true : null), 1500);
    expect(h.provider.held.size).toBe(1);
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => /was revoked/.test(m.text)), 5000);
  });
});
