/** Slack double-sends, people click at once, and strangers knock: each decision still happens exactly once. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postToApp, stateValue } from '../../../playground/slack-emulator/index.ts';
import { allReviews, ALICE, APPROVALS_CHANNEL, BOB, buttons, CAROL, filedRequests, SlackHarness, visible } from './harness.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

let h: SlackHarness;
beforeEach(async () => {
  h = await SlackHarness.start();
});
afterEach(async () => h.close());

describe('inbound requests Slack did not sign', () => {
  it('a bad signature or a stale timestamp gets 401 and files nothing', async () => {
    const forged = await h.command(ALICE, '/request-access', 'readonly 30m x', { secret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    const stale = await h.command(ALICE, '/request-access', 'readonly 30m x', { ageSeconds: 6 * 60 });
    expect(stale.status).toBe(401);
    const tampered = h.signer.slashCommand({ command: '/request-access', text: 'readonly 30m x', userId: ALICE.id });
    expect((await postToApp(h.eventsUrl, { ...tampered, body: tampered.body.replace('U0ALICE', 'U0BOB') })).status).toBe(401);
    await h.settle();
    expect(await filedRequests(h.bot.ctx.store)).toEqual([]);
    expect(h.emu.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
  });
});

describe('repeated deliveries', () => {
  it('a command redelivered with X-Slack-Retry-Num (or replayed) files one request', async () => {
    const request = h.signer.slashCommand({
      command: '/request-access',
      text: 'readonly 30m once',
      userId: ALICE.id,
      responseUrl: h.emu.responseUrlFor('once', { channel: 'C0GENERAL', user: ALICE.id }),
      triggerId: h.emu.issueTrigger(ALICE.id),
    });
    const retried = h.signer.sign(request.body, request.headers['content-type']!, request.payload, { retryNum: 1 });
    const answers = await Promise.all([postToApp(h.eventsUrl, request), postToApp(h.eventsUrl, retried), postToApp(h.eventsUrl, request)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await h.card();
    await h.settle();
    expect(await filedRequests(h.bot.ctx.store)).toHaveLength(1);
    expect(h.cards()).toHaveLength(1);
    expect(h.ephemeralsFor(ALICE)).toHaveLength(1);
  });

  it('a replayed command whose ack carries the answer gets a bare ack the second time', async () => {
    const request = h.signer.slashCommand({ command: '/request-access', text: 'readonly banana', userId: ALICE.id, triggerId: h.emu.issueTrigger(ALICE.id) });
    const first = await postToApp(h.eventsUrl, request);
    const replayed = await postToApp(h.eventsUrl, request);
    expect(first.status).toBe(200);
    expect(first.text).not.toBe('');
    expect(replayed.status).toBe(200);
    expect(replayed.text).toBe('');
  });

  it('an approve click delivered twice records one review', async () => {
    await h.command(ALICE, '/request-access', 'writer 1h fix --ticket INC-1');
    const card = await h.card();
    const click = h.signer.blockAction({
      userId: BOB.id,
      actions: [{ actionId: 'request_approve', value: '1' }],
      message: { channel: card.channel, ts: card.ts },
      responseUrl: h.emu.responseUrlFor('twice', { channel: card.channel, user: BOB.id }),
    });
    await Promise.all([postToApp(h.eventsUrl, click), postToApp(h.eventsUrl, h.signer.sign(click.body, click.headers['content-type']!, click.payload, { retryNum: 2 }))]);
    await h.emu.waitFor(() => h.ephemeralsFor(BOB)[0]);
    await h.settle();
    expect(await allReviews(h.bot.ctx.store)).toHaveLength(1);
    expect(h.ephemeralsFor(BOB).map((e) => e.text)).toEqual(['👍 You approved AR-1; 1 more approval needed.']);
  });

  it('an App Home event retried by Slack publishes the Home once', async () => {
    const event = h.signer.appHomeOpened({ userId: ALICE.id });
    await postToApp(h.eventsUrl, event);
    await postToApp(h.eventsUrl, h.signer.sign(event.body, 'application/json', event.payload, { retryNum: 1, retryReason: 'http_timeout' }));
    await h.emu.waitFor(() => h.emu.homeView(ALICE.id));
    await h.settle();
    expect(h.emu.callsTo('views.publish')).toHaveLength(1);
  });
});

describe('ack first', () => {
  it('the duplicate-delivery record of a command is written after its ack has left', async () => {
    const order: string[] = [];
    const store = h.bot.ctx.store;
    const claimKey = store.claimKey.bind(store);
    store.claimKey = async (...args) => {
      order.push('recorded');
      return claimKey(...args);
    };
    h.bot.server.prependListener('request', (_req, res) => res.on('finish', () => order.push('acked')));
    await h.command(ALICE, '/request-access', 'readonly 30m order');
    await h.card();
    await h.settle();
    expect(order).toEqual(['acked', 'recorded']);
  });

  it('the HTTP answer does not wait for slow work after it (a target that takes 3 s to grant)', async () => {
    await h.command(ALICE, '/request-access', 'readonly 1h slow target');
    const card = await h.card();
    h.provider.delayMs = 3000;
    const started = Date.now();
    const response = await h.clickOnMessage(BOB, 'request_approve', '1', card);
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(h.provider.held.size).toBe(0);
    const metrics = await h.bot.metrics.ackSeconds.get();
    const acked = metrics.values.filter((v) => v.metricName === 'accessbot_ack_seconds_count').map((v) => [v.labels.kind, v.value]);
    expect(acked).toEqual(expect.arrayContaining([['command', 1], ['action', 1]]));
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('is active until')), 6000);
  });
});

describe('clicks at the same moment', () => {
  it('ten approvers clicking at once make one grant; the others are told it was already decided', async () => {
    await h.command(ALICE, '/request-access', 'readonly 1h concurrency');
    const card = await h.card();
    const clickers = [BOB, CAROL, BOB, CAROL, BOB, CAROL, BOB, CAROL, BOB, CAROL];
    const responses = await Promise.all(clickers.map((who) => h.clickOnMessage(who, 'request_approve', '1', card)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await h.emu.waitFor(() => (h.ephemeralsFor(BOB).length + h.ephemeralsFor(CAROL).length === 10 ? true : null), 5000);
    await h.settle();
    expect(h.provider.count('grant')).toBe(1);
    const answers = [...h.ephemeralsFor(BOB), ...h.ephemeralsFor(CAROL)].map((e) => e.text);
    expect(answers.filter((t) => t === '✅ You approved AR-1.')).toHaveLength(1);
    expect(answers.filter((t) => /already approved by|already reviewed|decided this request a moment ago/.test(t))).toHaveLength(9);
    expect(visible(h.emu.message(APPROVALS_CHANNEL.id, card.ts))).toMatch(/Approved by/);
    expect(h.cards()).toHaveLength(1);
  });

  it('an approve and a deny racing: exactly one wins and the card shows that one', async () => {
    await h.command(ALICE, '/request-access', 'readonly 1h race');
    const card = await h.card();
    await h.clickOnMessage(CAROL, 'request_deny', '1', card);
    const denyForm = await h.emu.waitFor(() => h.emu.views.find((v) => v.view.callback_id === 'request_deny_modal'));
    const [approved, denied] = await Promise.all([
      h.clickOnMessage(BOB, 'request_approve', '1', card),
      h.submit(CAROL, denyForm.view, { reason: { reason: stateValue.text('not during the freeze') } }),
    ]);
    expect(approved.status).toBe(200);
    expect(denied.status).toBe(200);
    await h.emu.waitFor(() => h.ephemeralsFor(BOB)[0]);
    await h.settle();
    const status = (await h.bot.ctx.store.getRequest(asRequestId(1)))!.status;
    const shown = visible(h.emu.message(APPROVALS_CHANNEL.id, card.ts));
    if (status === 'approved') {
      expect(h.provider.count('grant')).toBe(1);
      expect(shown).toMatch(/Approved by <@U0BOB>/);
      expect(denied.json).toMatchObject({ response_action: 'errors', errors: { reason: expect.stringMatching(/already approved/) } });
    } else {
      expect(status).toBe('denied');
      expect(h.provider.count('grant')).toBe(0);
      expect(shown).toMatch(/Denied by <@U0CAROL>: not during the freeze/);
      expect(h.ephemeralsFor(BOB)[0]!.text).toMatch(/already denied/);
    }
    expect(buttons(h.emu.message(APPROVALS_CHANNEL.id, card.ts)!.blocks)).toEqual([]);
  });
});
