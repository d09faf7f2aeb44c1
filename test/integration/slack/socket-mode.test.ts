/**
 * Socket Mode, offline: a loopback server plays Slack — it answers apps.connections.open (app-level token
 * only) with a ws://127.0.0.1 URL, serves the emulator's Web API on the same origin, and pushes envelopes over
 * the WebSocket; accessbot acks each envelope on the socket and does the rest through the Web API.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackEmulator, SlackRequestSigner, slackEmulatorRouter } from '../../../playground/slack-emulator/index.ts';
import { loadEnv } from '../../../src/config/env.ts';
import { silentLogger } from '../../../src/logging.ts';
import { startAccessbot, type RunningAccessbot } from '../../../src/main.ts';
import { RecordingProvider } from '../../support/recording-provider.ts';
import { ALICE, APPROVALS_CHANNEL, AUDIT_CHANNEL, BOB, slackTestPolicy, visible } from './harness.ts';

const APP_TOKEN = 'xapp-1-A0ACCESSBOT-socket-test';

interface FakeSlack {
  emu: SlackEmulator;
  server: Server;
  sockets: WebSocket[];
  /** Envelope acks received from the app: envelope_id → payload. */
  acks: Map<string, unknown>;
  connectionOpens: string[];
  send(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

async function startFakeSlack(): Promise<FakeSlack> {
  const emu = new SlackEmulator({ users: [ALICE, BOB], channels: [APPROVALS_CHANNEL, AUDIT_CHANNEL, { id: 'C0GENERAL', name: 'general' }] });
  const connectionOpens: string[] = [];
  const app = express();
  const server = createServer(app);
  app.post('/api/apps.connections.open', (req, res) => {
    const auth = req.get('authorization') ?? '';
    connectionOpens.push(auth);
    if (auth !== `Bearer ${APP_TOKEN}`) {
      res.json({ ok: false, error: 'invalid_auth' });
      return;
    }
    const { port } = server.address() as AddressInfo;
    res.json({ ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=t1` });
  });
  app.use(slackEmulatorRouter(emu));
  const wss = new WebSocketServer({ server, path: '/link/' });
  const sockets: WebSocket[] = [];
  const acks = new Map<string, unknown>();
  const waiters = new Map<string, (payload: unknown) => void>();
  wss.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id: string; payload?: unknown };
      acks.set(message.envelope_id, message.payload);
      waiters.get(message.envelope_id)?.(message.payload);
    });
    socket.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: emu.bot.appId }, debug_info: { host: 'fake' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  emu.baseUrl = `http://127.0.0.1:${port}/`;
  let seq = 0;
  return {
    emu,
    server,
    sockets,
    acks,
    connectionOpens,
    send(type, payload) {
      const envelopeId = `env-${++seq}`;
      const acked = new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ack for ${envelopeId}`)), 3000);
        waiters.set(envelopeId, (p) => {
          clearTimeout(timer);
          resolve(p);
        });
      });
      sockets.at(-1)!.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api' }));
      return acked;
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let slack: FakeSlack;
let bot: RunningAccessbot;
let provider: RecordingProvider;

beforeEach(async () => {
  slack = await startFakeSlack();
  const env = {
    PORT: '0',
    ACCESSBOT_DB: join(mkdtempSync(join(tmpdir(), 'accessbot-socket-')), 'accessbot.db'),
    SLACK_BOT_TOKEN: slack.emu.botToken,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_API_URL: slack.emu.url,
  };
  provider = new RecordingProvider();
  bot = await startAccessbot(loadEnv(env), { policy: slackTestPolicy(), providers: new Map([['orders-db', provider]]), env, log: silentLogger(), sweepEvery: '0 0 0 1 1 *' });
});
afterEach(async () => {
  await bot.stop();
  await slack.close();
});

describe('Socket Mode', () => {
  it('connects with the app-level token and serves commands and clicks over the socket', async () => {
    expect(slack.connectionOpens).toEqual([`Bearer ${APP_TOKEN}`]);
    expect(slack.sockets).toHaveLength(1);
    // The HTTP endpoint is not served in Socket Mode.
    const http = await fetch(`http://127.0.0.1:${bot.port}/slack/events`, { method: 'POST', body: 'x' });
    expect(http.status).toBe(404);

    const signer = new SlackRequestSigner({ signingSecret: 'unused-in-socket-mode', teamId: slack.emu.team.id, appId: slack.emu.bot.appId });
    const command = signer.slashCommand({
      command: '/request-access',
      text: 'readonly 30m over the socket',
      userId: ALICE.id,
      responseUrl: slack.emu.responseUrlFor('sock-1', { channel: 'C0GENERAL', user: ALICE.id }),
      triggerId: slack.emu.issueTrigger(ALICE.id),
    });
    expect(await slack.send('slash_commands', command.payload)).toEqual({});
    const card = await slack.emu.waitFor(() => slack.emu.messages(APPROVALS_CHANNEL.id)[0]);
    expect(visible(card)).toContain('over the socket');
    await slack.emu.waitFor(() => slack.emu.ephemerals.find((e) => e.user === ALICE.id && e.text.includes('Filed AR-1')));

    // A mistake is answered in the ack payload itself.
    const bad = signer.slashCommand({ command: '/request-access', text: 'readonly 30x nope', userId: ALICE.id });
    expect(await slack.send('slash_commands', bad.payload)).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/"30x" is not a duration/) });

    const click = signer.blockAction({
      userId: BOB.id,
      actions: [{ actionId: 'request_approve', value: '1' }],
      message: { channel: card.channel, ts: card.ts },
      responseUrl: slack.emu.responseUrlFor('sock-2', { channel: card.channel, user: BOB.id }),
    });
    await slack.send('interactive', click.payload);
    await slack.emu.waitFor(() => slack.emu.messages(ALICE.id).find((m) => m.text.includes('is active until')));
    expect(provider.count('grant')).toBe(1);

    const home = signer.appHomeOpened({ userId: ALICE.id });
    await slack.send('events_api', home.payload);
    const published = await slack.emu.waitFor(() => slack.emu.homeView(ALICE.id));
    expect(JSON.stringify(published.blocks)).toContain('AR-1');
  });
});
