/**
 * Start a real Bolt app (ExpressReceiver, HTTP mode) on 127.0.0.1 whose Web API calls go to a Slack emulator.
 * Tests register listeners, then post signed requests to `eventsUrl`.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';
import type { SlackEmulator } from '../../playground/slack-emulator/index.ts';

export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export interface BoltTestApp {
  app: App;
  receiver: ExpressReceiver;
  /** POST here: commands, interactivity and events (Bolt's default /slack/events). */
  eventsUrl: string;
  close(): Promise<void>;
}

export async function startBoltTestApp(
  emulator: SlackEmulator,
  options: { signingSecret?: string; processBeforeResponse?: boolean } = {},
): Promise<BoltTestApp> {
  const receiver = new ExpressReceiver({
    signingSecret: options.signingSecret ?? TEST_SIGNING_SECRET,
    processBeforeResponse: options.processBeforeResponse ?? true,
    logLevel: LogLevel.ERROR,
  });
  const app = new App({
    receiver,
    token: emulator.botToken,
    botId: emulator.bot.botId,
    botUserId: emulator.bot.userId,
    clientOptions: { slackApiUrl: emulator.url, retryConfig: { retries: 0 } },
    logLevel: LogLevel.ERROR,
  });
  const server: Server = createServer(receiver.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    app,
    receiver,
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
