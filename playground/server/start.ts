/**
 * `accessbot serve` with no Slack or Teams credentials starts the playground: the emulated Slack workspace, the
 * real Slack adapter pointed at it (SLACK_API_URL-style, with a signing secret made up for this run), and the
 * page at http://localhost:PORT/. With credentials it never starts; ACCESSBOT_PLAYGROUND=0 turns it off.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, type Config } from '../../src/config/env.ts';
import { loadPolicyOrThrow } from '../../src/config/startup-policy.ts';
import { startAccessbot, type RunningAccessbot, type StartOptions } from '../../src/main.ts';
import { startSlackEmulator } from '../slack-emulator/index.ts';
import { playgroundPeople } from './people.ts';
import { Playground } from './playground.ts';
import { playgroundRouter } from './routes.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Where the playground keeps its database and demo system when ACCESSBOT_DB and DATABASE_URL are unset: fresh each start. */
export const PLAYGROUND_DATA_DIR = 'data/playground';

export interface RunningPlayground {
  playground: Playground;
  /** The page, e.g. http://localhost:3000/ */
  url: string;
  close(): Promise<void>;
}

export interface Started {
  app: RunningAccessbot;
  playground: RunningPlayground | null;
}

/** True when serve should start the playground: no chat platform configured, and not turned off. */
export function playgroundWanted(config: Config, env: Env): boolean {
  const setting = env.ACCESSBOT_PLAYGROUND?.trim() ?? '';
  if (!['', '0', '1'].includes(setting)) {
    throw new ConfigError([`ACCESSBOT_PLAYGROUND must be 0 (no playground) or 1 (the default without chat credentials), not ${JSON.stringify(setting)}`]);
  }
  return setting !== '0' && !config.slack && !config.teams && !config.teamsEmulator;
}

/** Start the bot; with no chat credentials (and ACCESSBOT_PLAYGROUND not 0), with the playground around it. */
export async function startAccessbotOrPlayground(config: Config, options: StartOptions = {}): Promise<Started> {
  const env = options.env ?? process.env;
  if (!playgroundWanted(config, env)) return { app: await startAccessbot(config, options), playground: null };

  let dbPath = config.dbPath;
  if (!env.ACCESSBOT_DB?.trim() && !config.databaseUrl) {
    dbPath = join(PLAYGROUND_DATA_DIR, 'accessbot.db');
    for (const file of ['accessbot.db', 'accessbot.db-wal', 'accessbot.db-shm', 'demo-system.json']) rmSync(join(PLAYGROUND_DATA_DIR, file), { force: true });
    mkdirSync(PLAYGROUND_DATA_DIR, { recursive: true });
  }
  const demoStateFile = resolve(env.ACCESSBOT_DEMO_STATE?.trim() || join(dirname(dbPath), 'demo-system.json'));
  const playEnv: Env = { ...env, ACCESSBOT_DEMO_STATE: demoStateFile };
  const { policy } = options.policy ? { policy: options.policy } : loadPolicyOrThrow(config, playEnv);

  const channels = {
    approvals: policy.channels.approvals?.slack ?? 'C0APPROVALS',
    audit: policy.channels.audit?.slack ?? 'C0AUDIT',
    general: 'C0GENERAL',
  };
  const extra = Object.values(policy.roles).flatMap((r) => (r.approvalsChannel?.slack ? [r.approvalsChannel.slack] : []));
  const names = new Map<string, string>([[channels.approvals, 'approvals'], [channels.audit, 'audit'], [channels.general, 'general']]);
  for (const id of extra) if (!names.has(id)) names.set(id, id.toLowerCase());
  const people = playgroundPeople(policy);
  const emulator = await startSlackEmulator({ users: people.map((p) => p.user), channels: [...names].map(([id, name]) => ({ id, name })) });
  const signingSecret = randomBytes(32).toString('hex');
  const playground = new Playground({ emulator, signingSecret, people, channels, demoStateFile: policy.resources['demo-system'] ? demoStateFile : null });
  const playConfig: Config = { ...config, dbPath, slack: { botToken: emulator.botToken, mode: 'http', signingSecret, apiUrl: emulator.url } };
  const close = async (): Promise<void> => {
    playground.close();
    await emulator.close();
  };
  let app: RunningAccessbot;
  try {
    app = await startAccessbot(playConfig, {
      ...options,
      env: playEnv,
      routes: (http) => {
        options.routes?.(http);
        http.use(playgroundRouter(playground));
      },
    });
  } catch (error) {
    await close();
    throw error;
  }
  playground.eventsUrl = `http://127.0.0.1:${app.port}/slack/events`;
  const url = `http://localhost:${app.port}/`;
  app.ctx.log.info({ page: url }, `playground: open ${url} — no Slack or Teams credentials are set, so accessbot runs against an emulated Slack (ACCESSBOT_PLAYGROUND=0 turns it off)`);
  // An open page holds an event stream, which would hold the server's close: stopping ends them first.
  const stopBot = app.stop;
  const stop = async (): Promise<void> => {
    playground.endStreams();
    await stopBot();
  };
  return { app: { ...app, stop }, playground: { playground, url, close } };
}
