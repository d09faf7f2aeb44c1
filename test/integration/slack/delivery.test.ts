/** What the chat port posts, and how it behaves when Slack says no: retried later, never posted twice. */
import { afterEach, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { codePoints } from '../../../adapters/slack/render/index.ts';
import { ALICE, APPROVALS_CHANNEL, AUDIT_CHANNEL, BOB, buttons, SlackHarness, slackTestPolicy, visible } from './harness.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

let h: SlackHarness;
afterEach(async () => h?.close());

const { WebClient } = webApi;
const M = 60_000;

/** Move the clock past any outbox backoff and run the scheduler's jobs (dispatch included). */
async function later(minutes = 10): Promise<void> {
  h.clock.advance(minutes * M);
  await h.bot.scheduler.runOnce();
  await h.settle();
}

describe('Slack failing', () => {
  it('a 429 on the card post fails the delivery; the outbox retries and the card appears once', async () => {
    h = await SlackHarness.start();
    h.emu.failNext('chat.postMessage', { status: 429, retryAfter: 30 });
    const started = Date.now();
    await h.command(ALICE, '/request-access', 'readonly 1h rate limited');
    await h.emu.waitFor(() => h.emu.callsTo('chat.postMessage').find((c) => c.status === 429));
    await h.settle();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(h.cards()).toEqual([]);

    await later();
    expect(h.cards()).toHaveLength(1);
    expect(h.dms(ALICE).filter((m) => m.text.includes('was filed'))).toHaveLength(1);
    await later();
    expect(h.cards()).toHaveLength(1);
  });

  it('when the DM fails after the thread reply went out, the retry sends only the DM', async () => {
    h = await SlackHarness.start();
    await h.command(ALICE, '/request-access', 'readonly 1h flaky');
    const card = await h.card();
    await h.settle();
    let armed = true;
    const stop = h.emu.onChange(() => {
      const last = h.emu.calls.at(-1)!;
      if (armed && last.method === 'chat.postMessage' && last.args.thread_ts) {
        armed = false;
        h.emu.failNext('chat.postMessage', { error: 'internal_error' });
      }
    });
    await h.clickOnMessage(BOB, 'request_approve', '1', card);
    await h.emu.waitFor(() => h.emu.callsTo('chat.postMessage').find((c) => c.response.error === 'internal_error'));
    await h.settle();
    stop();
    expect(h.dms(ALICE).filter((m) => m.text.includes('was approved by'))).toHaveLength(0);

    await later();
    const approvedReplies = h.emu.thread(APPROVALS_CHANNEL.id, card.ts).filter((m) => m.text.includes('Approved by'));
    expect(approvedReplies).toHaveLength(1);
    expect(h.dms(ALICE).filter((m) => m.text.includes('was approved by'))).toHaveLength(1);
  });

  it('a card deleted in Slack is not re-posted, and the rest still goes out', async () => {
    h = await SlackHarness.start();
    await h.command(ALICE, '/request-access', 'readonly 1h deleted card');
    const card = await h.card();
    await h.settle();
    // Someone deletes the card in Slack; the bot still has it on record.
    const slack = new WebClient(h.emu.botToken, { slackApiUrl: h.emu.url, retryConfig: { retries: 0 } });
    await slack.chat.delete({ channel: card.channel, ts: card.ts });
    expect(h.cards()).toEqual([]);
    await h.clickOnMessage(BOB, 'request_approve', '1', card);
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('is active until')));
    await h.settle();
    // Not re-posted: the one card post ever made is the deleted one, and nothing (card or thread reply) is in the channel.
    expect(h.emu.callsTo('chat.postMessage').filter((c) => c.args.channel === APPROVALS_CHANNEL.id)).toHaveLength(1);
    expect(h.cards()).toEqual([]);
    expect(h.emu.messages(APPROVALS_CHANNEL.id)).toEqual([]);
    expect(h.logs.some((l) => l.includes('the approval card was deleted in Slack'))).toBe(true);
  });
});

describe('what gets posted', () => {
  it('a hostile, 5,000-character reason is escaped and cut everywhere, and Slack accepts every post', async () => {
    h = await SlackHarness.start();
    const hostile = `<!channel> @here <@U0MALLORY> <https://evil.example|docs> *bold* & more `;
    const reason = (hostile + 'x'.repeat(5000)).slice(0, 5000);
    await h.command(ALICE, '/request-access', `writer 1h ${reason} --ticket INC-1`);
    const card = await h.card();
    await h.command(BOB, '/access', 'pending');
    await h.openHome(BOB);
    await h.emu.waitFor(() => h.emu.homeView(BOB.id));
    await h.emu.waitFor(() => h.ephemeralsFor(BOB)[0]);
    await h.settle();

    expect(h.emu.calls.filter((c) => c.response.ok === false)).toEqual([]);
    const reasonBlock = (card.blocks as { block_id?: string; text?: { text: string } }[]).find((b) => b.block_id === 'request_reason')!;
    expect(codePoints(reasonBlock.text!.text)).toBeLessThanOrEqual(3000);
    expect(reasonBlock.text!.text.endsWith('…')).toBe(true);
    expect(reasonBlock.text!.text).toContain('&lt;!channel&gt; @\u200Bhere &lt;@U0MALLORY&gt; &lt;https://evil.example|docs&gt; *bold* &amp; more');
    const everything = JSON.stringify([h.emu.messages(), h.emu.ephemerals, h.emu.views.map((v) => v.view)]);
    expect(everything).not.toContain('<!channel>');
    expect(everything).not.toContain('<@U0MALLORY>');
    expect(everything).not.toContain('<https://evil.example|docs>');
    expect(codePoints((await h.bot.ctx.store.getRequest(asRequestId(1)))!.reason)).toBe(5000);
  });

  it('a grant the target refuses: the requester is told plainly, the provider error goes only to the audit channel', async () => {
    h = await SlackHarness.start();
    h.provider.failNext('grant', 1, false);
    await h.command(ALICE, '/request-access', 'readonly 10m quick look');
    const dm = await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('could not set up')));
    await h.emu.waitFor(() => h.emu.messages(AUDIT_CHANNEL.id)[0]);
    await h.settle();
    expect(visible(dm)).toContain('nothing was granted');
    expect(JSON.stringify([h.dms(ALICE), h.emu.ephemerals, h.cards(), h.emu.messages(APPROVALS_CHANNEL.id)])).not.toContain('failed on purpose');
    expect(visible(h.emu.messages(AUDIT_CHANNEL.id)[0])).toContain('grant failed on purpose');
  });

  it('a revoke the target keeps refusing: the holder is told to stop using it, the auditors are alerted, retries go on', async () => {
    h = await SlackHarness.start();
    await h.command(ALICE, '/request-access', 'readonly 10m quick look');
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('is active until')));
    h.provider.failNext('revoke', 100);
    h.clock.advance(11 * M);
    for (let i = 0; i < 6 && h.emu.messages(AUDIT_CHANNEL.id).length === 0; i++) await later(5);
    const alert = await h.emu.waitFor(() => h.emu.messages(AUDIT_CHANNEL.id)[0]);
    expect(visible(alert)).toMatch(/Revoke overdue\* · AR-1/);
    const dm = await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('should have ended')));
    expect(visible(dm)).toContain('please stop using it');
    expect(visible(dm)).not.toContain('revoke failed on purpose');
    expect(visible(h.cards()[0])).toMatch(/Revoke overdue/);
    expect(h.provider.held.size).toBe(1);

    h.provider.failures.length = 0;
    await later(10);
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('expired')));
    expect(h.provider.held.size).toBe(0);
    expect(visible(h.cards()[0])).not.toMatch(/Revoke overdue/);
  });

  it('auto-approved and break-glass requests get a clearly marked card without buttons; break-glass alerts the audit channel', async () => {
    h = await SlackHarness.start();
    await h.command(ALICE, '/request-access', 'readonly 10m quick look');
    await h.command(ALICE, '/request-access', 'breakglass 30m prod is down --break-glass');
    await h.emu.waitFor(() => (h.cards().length === 2 ? true : null));
    await h.emu.waitFor(() => h.emu.messages(AUDIT_CHANNEL.id)[0]);
    await h.settle();
    const [auto, glass] = h.cards();
    expect(visible(auto)).toMatch(/Auto-approved/);
    expect(buttons(auto!.blocks)).toEqual([]);
    expect(visible(glass)).toMatch(/Break-glass/);
    expect(visible(glass)).toMatch(/flagged for review/);
    expect(buttons(glass!.blocks)).toEqual([]);
    expect(visible(h.emu.messages(AUDIT_CHANNEL.id)[0])).toMatch(/Break-glass activation\* · AR-2/);
    expect(h.provider.count('grant')).toBe(2);
    expect(h.dms(ALICE).map((m) => m.text)).toContainEqual(expect.stringMatching(/Break-glass AR-2/));
  });

  it('without channels in the policy, cards and audit posts are skipped (logged once) and DMs still go out', async () => {
    h = await SlackHarness.start({ policy: slackTestPolicy({ channels: {} }) });
    await h.command(ALICE, '/request-access', 'readonly 1h one');
    await h.command(ALICE, '/request-access', 'breakglass 1h two --break-glass');
    await h.emu.waitFor(() => (h.dms(ALICE).length >= 2 ? true : null));
    await h.settle();
    expect(h.emu.messages(APPROVALS_CHANNEL.id)).toEqual([]);
    expect(h.emu.messages(AUDIT_CHANNEL.id)).toEqual([]);
    const warnings = h.logs.filter((l) => l.includes('channels.approvals.slack is not set'));
    expect(warnings).toHaveLength(1);
    expect(h.logs.filter((l) => l.includes('channels.audit.slack is not set'))).toHaveLength(1);
  });

  it('digests go to the audit channel, once even when delivered again', async () => {
    h = await SlackHarness.start();
    const port = h.bot.adapters[0]!.port;
    const digest = { type: 'digest' as const, period: '2026-01-05', title: 'accessbot digest', markdown: '# Monday\n- **3** requests, <!here> 1 break-glass' };
    await port.deliver(digest, null);
    await port.deliver(digest, null);
    const posts = h.emu.messages(AUDIT_CHANNEL.id);
    expect(posts).toHaveLength(1);
    expect(visible(posts[0])).toContain('*Monday*');
    expect(visible(posts[0])).toContain('• *3* requests, &lt;!here&gt; 1 break-glass');
  });

  it('the form cannot be opened when Slack refuses: the person is told what to do instead', async () => {
    h = await SlackHarness.start();
    h.emu.failNext('views.open', { error: 'expired_trigger_id' });
    await h.command(ALICE, '/request-access', '');
    expect(await h.ephemeral(ALICE)).toMatch(/Slack did not let me open the form just now\. Try again, or file directly/);
  });
});
