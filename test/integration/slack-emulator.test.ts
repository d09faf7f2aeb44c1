/** The Slack emulator answers the real @slack/web-api WebClient like Slack does. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { startSlackEmulator, type SlackEmulator } from '../../playground/slack-emulator/index.ts';
import { requestModal } from '../../adapters/slack/render/index.ts';
import { slackCard as approvalCard, slackHome as homeView } from '../support/slack-render.ts';
import { ALICE, APPROVALS_CHANNEL, BOB, testWorkspace } from '../support/slack-workspace.ts';
import { requestView, T0 } from '../support/slack-views.ts';

const { WebClient, ErrorCode } = webApi;

let emu: SlackEmulator;
let client: InstanceType<typeof WebClient>;

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const platformError = (error: unknown): Record<string, unknown> => {
  expect(error).toMatchObject({ code: ErrorCode.PlatformError });
  return (error as { data: Record<string, unknown> }).data;
};

beforeAll(async () => {
  emu = await startSlackEmulator(testWorkspace());
  client = new WebClient(emu.botToken, { slackApiUrl: emu.url, retryConfig: { retries: 0 } });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

describe('wire format', () => {
  it('serves at ${url}${method} and answers auth.test with the bot identity', async () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const result = await client.auth.test();
    expect(result).toMatchObject({ ok: true, user_id: emu.bot.userId, bot_id: emu.bot.botId, team_id: emu.team.id });
    const call = emu.callsTo('auth.test')[0]!;
    expect(call.token).toBe(emu.botToken);
    expect(call.contentType).toContain('application/x-www-form-urlencoded');
  });

  it('refuses a wrong token with invalid_auth and a missing one with not_authed', async () => {
    const wrong = new WebClient('xoxb-not-the-token', { slackApiUrl: emu.url, retryConfig: { retries: 0 } });
    await expect(wrong.chat.postMessage({ channel: APPROVALS_CHANNEL.id, text: 'hi' })).rejects.toMatchObject({ data: { ok: false, error: 'invalid_auth' } });
    const anonymous = await fetch(`${emu.url}auth.test`, { method: 'POST' });
    expect(await anonymous.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(emu.messages(APPROVALS_CHANNEL.id)).toHaveLength(0);
  });

  it('answers unknown_method for methods it does not know', async () => {
    const error = await client.apiCall('chat.frobnicate', { channel: 'C1' }).catch((e: unknown) => e);
    expect(platformError(error)).toMatchObject({ error: 'unknown_method' });
  });

  it('accepts JSON bodies with the token in the Authorization header', async () => {
    const response = await fetch(`${emu.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${emu.botToken}` },
      body: JSON.stringify({ channel: APPROVALS_CHANNEL.id, text: 'json', blocks: [section('json *body*')] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: APPROVALS_CHANNEL.id });
    expect(emu.messages(APPROVALS_CHANNEL.id)[0]!.blocks).toEqual([section('json *body*')]);
  });

  it('answers invalid_blocks_format when blocks are not JSON', async () => {
    const body = new URLSearchParams({ channel: APPROVALS_CHANNEL.id, text: 'x', blocks: '[{"type":' });
    const response = await fetch(`${emu.url}chat.postMessage`, { method: 'POST', headers: { authorization: `Bearer ${emu.botToken}`, 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(await response.json()).toMatchObject({ ok: false, error: 'invalid_blocks_format' });
  });
});

describe('messages', () => {
  it('round-trips postMessage → update → thread reply → delete with decoded blocks and history', async () => {
    const posted = await client.chat.postMessage({ channel: APPROVALS_CHANNEL.id, text: 'card', blocks: [section('pending')] });
    expect(posted).toMatchObject({ ok: true, channel: APPROVALS_CHANNEL.id, message: { text: 'card', bot_id: emu.bot.botId } });
    const ts = posted.ts!;
    expect(ts).toMatch(/^\d{10}\.\d{6}$/);

    expect(emu.callsTo('chat.postMessage')[0]!.args.blocks).toEqual([section('pending')]);

    const updated = await client.chat.update({ channel: APPROVALS_CHANNEL.id, ts, text: 'card v2', blocks: [section('approved')] });
    expect(updated).toMatchObject({ ok: true, ts, text: 'card v2' });
    const reply = await client.chat.postMessage({ channel: APPROVALS_CHANNEL.id, thread_ts: ts, text: 'approved by bob' });

    const card = emu.message(APPROVALS_CHANNEL.id, ts)!;
    expect(card.blocks).toEqual([section('approved')]);
    expect(card.history.map((h) => h.text)).toEqual(['card', 'card v2']);
    expect(emu.thread(APPROVALS_CHANNEL.id, ts).map((m) => m.text)).toEqual(['approved by bob']);
    expect(reply.ts! > ts).toBe(true);

    await client.chat.delete({ channel: APPROVALS_CHANNEL.id, ts: reply.ts! });
    expect(emu.thread(APPROVALS_CHANNEL.id, ts)).toEqual([]);
    await expect(client.chat.update({ channel: APPROVALS_CHANNEL.id, ts: '1.000001', text: 'x' })).rejects.toMatchObject({ data: { error: 'message_not_found' } });
  });

  it('opens a DM when posting to a user id and returns the D… channel', async () => {
    const posted = await client.chat.postMessage({ channel: ALICE.id, text: 'your request was filed' });
    expect(posted.channel).toMatch(/^D/);
    const opened = await client.conversations.open({ users: ALICE.id });
    expect(opened.channel?.id).toBe(posted.channel);
    expect(emu.messages(ALICE.id).map((m) => m.text)).toEqual(['your request was filed']);
    await expect(client.chat.update({ channel: ALICE.id, ts: posted.ts!, text: 'x' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
  });

  it('refuses unknown channels and channels the bot is not in', async () => {
    await expect(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await expect(client.chat.postMessage({ channel: 'C0LOCKED', text: 'x' })).rejects.toMatchObject({ data: { error: 'not_in_channel' } });
    await expect(client.chat.postMessage({ channel: APPROVALS_CHANNEL.id, text: '' })).rejects.toMatchObject({ data: { error: 'no_text' } });
  });

  it('records ephemeral messages only for users who can see them', async () => {
    const result = await client.chat.postEphemeral({ channel: APPROVALS_CHANNEL.id, user: BOB.id, text: 'only you' });
    expect(result.message_ts).toBeTruthy();
    expect(emu.ephemerals).toMatchObject([{ via: 'chat.postEphemeral', channel: APPROVALS_CHANNEL.id, user: BOB.id, text: 'only you' }]);
    await expect(client.chat.postEphemeral({ channel: APPROVALS_CHANNEL.id, user: 'U0GHOST', text: 'x' })).rejects.toMatchObject({ data: { error: 'user_not_in_channel' } });
  });

  it('records response_url posts as Bolt respond() sends them, five times at most', async () => {
    const url = emu.responseUrlFor('cmd-1', { channel: 'C0GENERAL', user: ALICE.id });
    expect(url.startsWith(emu.baseUrl)).toBe(true);
    for (let i = 0; i < 5; i++) {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `reply ${i}`, response_type: 'ephemeral' }) });
      expect(response.status).toBe(200);
    }
    const sixth = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'too many' }) });
    expect(sixth.status).toBe(404);
    expect(emu.ephemerals.filter((e) => e.via === 'response_url').map((e) => e.text)).toEqual(['reply 0', 'reply 1', 'reply 2', 'reply 3', 'reply 4']);
    expect(emu.ephemerals[0]).toMatchObject({ user: ALICE.id, channel: 'C0GENERAL', responseUrlId: 'cmd-1' });
  });
});

describe('directory', () => {
  it('answers users.info with profile.email, lookupByEmail and usergroups.users.list', async () => {
    const info = await client.users.info({ user: ALICE.id });
    expect(info.user).toMatchObject({ id: ALICE.id, name: 'alice', profile: { email: 'alice@example.com' } });
    const found = await client.users.lookupByEmail({ email: 'BOB@example.com' });
    expect(found.user?.id).toBe(BOB.id);
    await expect(client.users.lookupByEmail({ email: 'nobody@example.com' })).rejects.toMatchObject({ data: { error: 'users_not_found' } });
    await expect(client.users.info({ user: 'U0GHOST' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
    const group = await client.usergroups.users.list({ usergroup: 'S0SRE' });
    expect(group.users).toEqual(['U0BOB', 'U0CAROL']);
  });
});

describe('views', () => {
  const modal = (title = 'Request access') => ({
    type: 'modal' as const,
    callback_id: 'request_access_modal',
    title: { type: 'plain_text' as const, text: title },
    submit: { type: 'plain_text' as const, text: 'Request' },
    blocks: [{ type: 'input', block_id: 'reason', label: { type: 'plain_text', text: 'Reason' }, element: { type: 'plain_text_input', action_id: 'reason', multiline: true } }],
  });

  it('opens, updates (with hash), pushes and publishes', async () => {
    const trigger = emu.issueTrigger(ALICE.id);
    const opened = await client.views.open({ trigger_id: trigger, view: modal() });
    const view = opened.view!;
    expect(view).toMatchObject({ id: expect.stringMatching(/^V/), callback_id: 'request_access_modal', state: { values: {} } });
    expect(emu.views[0]).toMatchObject({ via: 'open', user: ALICE.id });

    await expect(client.views.open({ trigger_id: trigger, view: modal() })).rejects.toMatchObject({ data: { error: 'exchanged_trigger_id' } });

    const updated = await client.views.update({ view_id: view.id!, hash: view.hash!, view: modal('Request access 2') });
    expect(updated.view?.id).toBe(view.id);
    await expect(client.views.update({ view_id: view.id!, hash: view.hash!, view: modal() })).rejects.toMatchObject({ data: { error: 'hash_conflict' } });
    expect(emu.views[0]!.history).toHaveLength(2);

    const pushed = await client.views.push({ trigger_id: emu.issueTrigger(ALICE.id), view: modal('Step 2') });
    expect(pushed.view).toMatchObject({ previous_view_id: view.id, root_view_id: view.id });

    await client.views.publish({ user_id: BOB.id, view: { type: 'home', blocks: [section('home')] } });
    await client.views.publish({ user_id: BOB.id, view: { type: 'home', blocks: [section('home v2')] } });
    expect(emu.homeView(BOB.id)?.blocks).toEqual([section('home v2')]);
    await expect(client.views.publish({ user_id: 'U0GHOST', view: { type: 'home', blocks: [] } })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
  });

  it('refuses an expired trigger', async () => {
    let now = Date.UTC(2026, 0, 5, 9);
    const timed = await startSlackEmulator({ ...testWorkspace(), now: () => now });
    try {
      const c = new WebClient(timed.botToken, { slackApiUrl: timed.url, retryConfig: { retries: 0 } });
      const trigger = timed.issueTrigger(ALICE.id);
      now += 3001;
      await expect(c.views.open({ trigger_id: trigger, view: modal() })).rejects.toMatchObject({ data: { error: 'expired_trigger_id' } });
    } finally {
      await timed.close();
    }
  });
});

describe('limits', () => {
  it('rejects text over 40,000 characters with msg_too_long', async () => {
    await expect(client.chat.postMessage({ channel: APPROVALS_CHANNEL.id, text: 'x'.repeat(40_001) })).rejects.toMatchObject({ data: { error: 'msg_too_long' } });
    await expect(client.chat.postMessage({ channel: APPROVALS_CHANNEL.id, text: 'x'.repeat(40_000) })).resolves.toMatchObject({ ok: true });
  });

  it('rejects more than 50 blocks and an oversize section with invalid_blocks and Slack-style messages', async () => {
    const tooMany = Array.from({ length: 51 }, (_, i) => section(`b${i}`));
    const error = await client.chat.postMessage({ channel: APPROVALS_CHANNEL.id, text: 'x', blocks: tooMany }).catch((e: unknown) => e);
    expect(platformError(error)).toMatchObject({ error: 'invalid_blocks', response_metadata: { messages: ['[ERROR] must be less than 51 items [json-pointer:/blocks]'] } });

    const long = await client.chat.postMessage({ channel: APPROVALS_CHANNEL.id, text: 'x', blocks: [section('y'.repeat(3001))] }).catch((e: unknown) => e);
    expect(platformError(long)).toMatchObject({ error: 'invalid_blocks', errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'] });
    expect(emu.messages(APPROVALS_CHANNEL.id)).toHaveLength(0);
  });

  it('checks buttons: text ≤ 75, value ≤ 2000, action_id ≤ 255', async () => {
    const button = (over: Record<string, unknown>) => ({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'a', value: '1', ...over }] });
    for (const [over, pointer] of [
      [{ text: { type: 'plain_text', text: 'x'.repeat(76) } }, '/blocks/0/elements/0/text/text'],
      [{ value: 'v'.repeat(2001) }, '/blocks/0/elements/0/value'],
      [{ action_id: 'a'.repeat(256) }, '/blocks/0/elements/0/action_id'],
    ] as const) {
      const error = await client.chat.postMessage({ channel: APPROVALS_CHANNEL.id, text: 'x', blocks: [button(over)] }).catch((e: unknown) => e);
      expect(platformError(error).errors).toEqual([expect.stringContaining(`[json-pointer:${pointer}]`)]);
    }
  });

  it('rejects a modal title over 24 characters and more than 100 blocks with invalid_arguments', async () => {
    const longTitle = await client.views.open({ trigger_id: emu.issueTrigger(), view: { type: 'modal', title: { type: 'plain_text', text: 'x'.repeat(25) }, blocks: [] } }).catch((e: unknown) => e);
    expect(platformError(longTitle)).toMatchObject({ error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'] } });
    const blocks = Array.from({ length: 101 }, (_, i) => section(`b${i}`));
    const tooMany = await client.views.publish({ user_id: ALICE.id, view: { type: 'home', blocks } }).catch((e: unknown) => e);
    expect(platformError(tooMany)).toMatchObject({ error: 'invalid_arguments' });
    await expect(client.views.publish({ user_id: ALICE.id, view: { type: 'home', blocks: blocks.slice(0, 100) } })).resolves.toMatchObject({ ok: true });
  });

  it('applies limits to response_url posts too', async () => {
    const response = await fetch(emu.responseUrlFor('big'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x', blocks: [section('z'.repeat(3001))] }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ ok: false, error: 'invalid_blocks' });
  });
});

describe('failure simulation', () => {
  it('answers 429 with Retry-After and the WebClient retries after waiting', async () => {
    const retrying = new WebClient(emu.botToken, { slackApiUrl: emu.url, retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 10 } });
    emu.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const started = Date.now();
    const posted = await retrying.chat.postMessage({ channel: APPROVALS_CHANNEL.id, text: 'after the limit' });
    expect(posted.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(emu.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
    expect(emu.messages(APPROVALS_CHANNEL.id)).toHaveLength(1);
  });

  it('a client that rejects rate-limited calls sees ratelimited', async () => {
    const strict = new WebClient(emu.botToken, { slackApiUrl: emu.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    emu.failNext('chat.update', { status: 429, retryAfter: 30 });
    await expect(strict.chat.update({ channel: APPROVALS_CHANNEL.id, ts: '1.1', text: 'x' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 30 });
  });

  it('fails with a chosen error code a given number of times', async () => {
    emu.failNext('users.info', { error: 'fatal_error', times: 2 });
    await expect(client.users.info({ user: ALICE.id })).rejects.toMatchObject({ data: { error: 'fatal_error' } });
    await expect(client.users.info({ user: ALICE.id })).rejects.toMatchObject({ data: { error: 'fatal_error' } });
    await expect(client.users.info({ user: ALICE.id })).resolves.toMatchObject({ ok: true });
  });

  it('waitFor resolves on a later call and times out with the calls seen', async () => {
    const waiting = emu.waitFor((e) => e.messages(APPROVALS_CHANNEL.id).find((m) => m.text === 'late'), 1000);
    setTimeout(() => void client.chat.postMessage({ channel: APPROVALS_CHANNEL.id, text: 'late' }), 20);
    await expect(waiting).resolves.toMatchObject({ text: 'late' });
    await expect(emu.waitFor(() => false, 50)).rejects.toThrow(/timed out after 50 ms; calls so far: chat.postMessage/);
  });
});

describe('rendered Block Kit over the wire', () => {
  it('accepts a card with a 5,000-character hostile reason, a home tab with long lists and the request form', async () => {
    const view = requestView({ reason: `<!channel> ${'x'.repeat(5000)}` });
    const card = approvalCard(view, { now: T0 });
    const posted = await client.chat.postMessage({ channel: APPROVALS_CHANNEL.id, ...card });
    expect(emu.message(APPROVALS_CHANNEL.id, posted.ts!)!.blocks).toEqual(card.blocks);

    const lots = Array.from({ length: 30 }, (_, i) => requestView({ id: i + 1, ref: `AR-${i + 1}`, reason: 'r'.repeat(5000) }));
    await expect(client.views.publish({ user_id: BOB.id, view: homeView({ grants: [], pending: lots, toReview: lots, now: T0 }) })).resolves.toMatchObject({ ok: true });
    const roles = [{ name: 'readonly', maxDurationMs: 14_400_000, defaultDurationMs: 3_600_000, requireTicket: null, breakGlass: true }];
    await expect(client.views.open({ trigger_id: emu.issueTrigger(ALICE.id), view: requestModal(roles) })).resolves.toMatchObject({ ok: true });
  });
});
