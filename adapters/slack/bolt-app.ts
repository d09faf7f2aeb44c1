/**
 * The Bolt app and its transport. HTTP mode mounts Bolt's ExpressReceiver on the shared express app at
 * POST /slack/events (signature and timestamp checked by Bolt; no global JSON parser, which would break that
 * check) and acks as soon as a listener calls ack() (processBeforeResponse: false). Socket Mode connects out
 * with the app-level token instead, so no public URL is needed.
 * The Web API client retries a failed call twice, briefly, and does not sit out 429s: a chat post that fails
 * throws, and the outbox retries it later with its own backoff.
 */
import { App, ExpressReceiver, LogLevel, SocketModeReceiver, type Receiver } from '@slack/bolt';
import type { Express } from 'express';
import type { SlackConfig } from '../../src/config/env.ts';
import type { Logger } from '../../src/logging.ts';
import { boltLogger } from './bolt-logger.ts';
import { stampArrival } from './middleware.ts';

export const SLACK_EVENTS_PATH = '/slack/events';

export const CLIENT_RETRY = { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2000, randomize: true } as const;

export interface BoltApp {
  app: App;
  mode: 'http' | 'socket';
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createBoltApp(config: SlackConfig, http: Express, log: Logger): BoltApp {
  const logger = boltLogger(log);
  logger.setLevel(LogLevel.INFO);
  const clientOptions = {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
    retryConfig: { ...CLIENT_RETRY },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  };
  let receiver: Receiver;
  if (config.mode === 'socket') {
    if (!config.appToken) throw new Error('Socket Mode needs SLACK_APP_TOKEN');
    receiver = new SocketModeReceiver({
      appToken: config.appToken,
      logger,
      customPropertiesExtractor: stampArrival,
      // apps.connections.open goes to the same Web API as everything else (SLACK_API_URL).
      installerOptions: { clientOptions: config.apiUrl ? { slackApiUrl: config.apiUrl } : {} },
    });
  } else {
    if (!config.signingSecret) throw new Error('HTTP mode needs SLACK_SIGNING_SECRET');
    receiver = new ExpressReceiver({
      signingSecret: config.signingSecret,
      app: http,
      endpoints: SLACK_EVENTS_PATH,
      processBeforeResponse: false,
      logger,
      customPropertiesExtractor: stampArrival,
    });
  }
  const app = new App({
    receiver,
    token: config.botToken,
    logger,
    clientOptions,
    convoStore: false,
    // auth.test runs in start(), where a bad token can stop the start-up with a clear message.
    deferInitialization: true,
  });
  app.error(async (error) => {
    log.error({ code: error.code, err: error.message }, 'slack listener failed');
  });
  let started = false;
  return {
    app,
    mode: config.mode,
    async start() {
      try {
        await app.init();
      } catch (error) {
        const code = (error as { data?: { error?: unknown } }).data?.error;
        throw new Error(
          code === 'invalid_auth' || code === 'not_authed' || code === 'account_inactive' || code === 'token_revoked'
            ? `Slack refused SLACK_BOT_TOKEN (${String(code)}): copy the Bot User OAuth Token from the Slack app's OAuth & Permissions page`
            : `could not reach Slack to check SLACK_BOT_TOKEN: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (config.mode === 'socket') await app.start();
      started = true;
    },
    async stop() {
      if (started && config.mode === 'socket') await app.stop();
      started = false;
    },
  };
}
