/** The signer builds requests that Bolt's own verification accepts, and its bad variants Bolt refuses. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postToApp, SlackRequestSigner, startSlackEmulator, stateValue, type SlackEmulator } from '../../playground/slack-emulator/index.ts';
import { startBoltTestApp, TEST_SIGNING_SECRET, type BoltTestApp } from '../support/slack-bolt.ts';
import { ALICE, APPROVALS_CHANNEL, BOB, testWorkspace } from '../support/slack-workspace.ts';

let emu: SlackEmulator;
let bolt: BoltTestApp;
let signer: SlackRequestSigner;
const seen: { retryNum?: number; action?: unknown; body?: Record<string, unknown>; view?: Record<string, unknown> } = {};

beforeAll(async () => {
  emu = await startSlackEmulator(testWorkspace());
  bolt = await startBoltTestApp(emu);
  signer = new SlackRequestSigner({ signingSecret: TEST_SIGNING_SECRET, teamId: emu.team.id, appId: emu.bot.appId, botUserId: emu.bot.userId });

  bolt.app.command('/request-access', async ({ ack, command, context, respond }) => {
    seen.retryNum = context.retryNum;
    await ack(`Got "${command.text}" from ${command.user_id}`);
    if (command.text === 'respond') await respond({ text: 'later, privately', response_type: 'ephemeral' });
  });
  bolt.app.action('request_approve', async ({ ack, action, body }) => {
    await ack();
    seen.action = action;
    seen.body = body as unknown as Record<string, unknown>;
  });
  bolt.app.view('request_access_modal', async ({ ack, view }) => {
    seen.view = view as unknown as Record<string, unknown>;
    const reason = view.state.values.reason?.reason?.value ?? '';
    if (reason.length < 3) await ack({ response_action: 'errors', errors: { reason: 'Say a little more' } });
    else await ack();
  });
  bolt.app.event('app_home_opened', async ({ event, client }) => {
    await client.views.publish({ user_id: event.user, view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Hi <@${event.user}>` } }] } });
  });
});
afterAll(async () => {
  await bolt.close();
  await emu.close();
});
beforeEach(() => {
  emu.reset();
  for (const key of Object.keys(seen)) delete seen[key as keyof typeof seen];
});

describe('slash commands', () => {
  it('a signed command reaches the listener and the ack text comes back', async () => {
    const response = await postToApp(bolt.eventsUrl, signer.slashCommand({ command: '/request-access', text: 'readonly 30m checking', userId: ALICE.id }));
    expect(response.status).toBe(200);
    expect(response.text).toBe(`Got "readonly 30m checking" from ${ALICE.id}`);
    expect(seen.retryNum).toBeUndefined();
  });

  it('a wrong signature gets 401 and never reaches the listener', async () => {
    const response = await postToApp(bolt.eventsUrl, signer.slashCommand({ command: '/request-access', text: 'x', userId: ALICE.id }, { secret: 'not-the-secret' }));
    expect(response.status).toBe(401);
    expect(seen.retryNum).toBeUndefined();
    expect(response.text).toBe('');
  });

  it('a stale timestamp gets 401', async () => {
    const response = await postToApp(bolt.eventsUrl, signer.slashCommand({ command: '/request-access', text: 'x', userId: ALICE.id }, { ageSeconds: 6 * 60 }));
    expect(response.status).toBe(401);
  });

  it('a tampered body gets 401', async () => {
    const signed = signer.slashCommand({ command: '/request-access', text: 'readonly', userId: ALICE.id });
    const response = await postToApp(bolt.eventsUrl, { ...signed, body: signed.body.replace('readonly', 'admin') });
    expect(response.status).toBe(401);
  });

  it('passes X-Slack-Retry-Num through to context.retryNum', async () => {
    const response = await postToApp(bolt.eventsUrl, signer.slashCommand({ command: '/request-access', text: 'again', userId: ALICE.id }, { retryNum: 1 }));
    expect(response.status).toBe(200);
    expect(seen.retryNum).toBe(1);
  });

  it('respond() posts to the emulator response_url', async () => {
    const responseUrl = emu.responseUrlFor('cmd-respond', { channel: 'C0GENERAL', user: ALICE.id });
    const response = await postToApp(bolt.eventsUrl, signer.slashCommand({ command: '/request-access', text: 'respond', userId: ALICE.id, responseUrl }));
    expect(response.status).toBe(200);
    expect(emu.ephemerals).toMatchObject([{ via: 'response_url', text: 'later, privately', user: ALICE.id, responseType: 'ephemeral' }]);
  });
});

describe('interactivity and events', () => {
  it('block_actions from a message arrive with the button value and the message context', async () => {
    const posted = await bolt.app.client.chat.postMessage({ channel: APPROVALS_CHANNEL.id, text: 'card' });
    const request = signer.blockAction({
      userId: BOB.id,
      actions: [{ actionId: 'request_approve', blockId: 'request_actions', value: '42', style: 'primary' }],
      message: { channel: APPROVALS_CHANNEL.id, ts: posted.ts!, text: 'card' },
    });
    const response = await postToApp(bolt.eventsUrl, request);
    expect(response.status).toBe(200);
    expect(seen.action).toMatchObject({ action_id: 'request_approve', value: '42', type: 'button', block_id: 'request_actions' });
    expect(seen.body).toMatchObject({
      type: 'block_actions',
      user: { id: BOB.id, team_id: emu.team.id },
      container: { type: 'message', message_ts: posted.ts, channel_id: APPROVALS_CHANNEL.id },
      channel: { id: APPROVALS_CHANNEL.id },
      message: { ts: posted.ts },
      response_url: expect.any(String),
      trigger_id: expect.any(String),
    });
  });

  it('view_submission carries state.values and the ack can return field errors', async () => {
    const submit = (reason: string) =>
      signer.viewSubmission({
        userId: ALICE.id,
        callbackId: 'request_access_modal',
        privateMetadata: '{"channel":"C0GENERAL"}',
        values: { role: { role: stateValue.select('readonly') }, reason: { reason: stateValue.text(reason) } },
      });
    const refused = await postToApp(bolt.eventsUrl, submit('x'));
    expect(refused.status).toBe(200);
    expect(refused.json).toEqual({ response_action: 'errors', errors: { reason: 'Say a little more' } });
    const accepted = await postToApp(bolt.eventsUrl, submit('checking INC-1'));
    expect(accepted.status).toBe(200);
    expect(accepted.text).toBe('');
    expect(seen.view).toMatchObject({ callback_id: 'request_access_modal', private_metadata: '{"channel":"C0GENERAL"}', state: { values: { role: { role: { selected_option: { value: 'readonly' } } } } } });
  });

  it('app_home_opened reaches the listener, which publishes the home tab to the emulator', async () => {
    const response = await postToApp(bolt.eventsUrl, signer.appHomeOpened({ userId: ALICE.id }));
    expect(response.status).toBe(200);
    const home = await emu.waitFor((e) => e.homeView(ALICE.id));
    expect(home.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: `Hi <@${ALICE.id}>` } }]);
  });

  it('interactivity with a bad signature gets 401', async () => {
    const request = signer.blockAction({ userId: BOB.id, actions: [{ actionId: 'request_approve', value: '42' }] }, { secret: 'nope' });
    expect((await postToApp(bolt.eventsUrl, request)).status).toBe(401);
    expect(seen.action).toBeUndefined();
  });
});
