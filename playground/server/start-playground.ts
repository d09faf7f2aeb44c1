/** The bot inside the playground: an emulated Slack workspace around it and the page on its port (start.ts decides when). */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../../src/config/env.ts';
import { loadPolicyOrThrow } from '../../src/config/startup-policy.ts';
import { startAccessbot, type RunningAccessbot, type StartOptions } from '../../src/main.ts';
import { startSlackEmulator } from '../slack-emulator/index.ts';
import { playgroundPeople } from './people.ts';
import { Playground } from './playground.ts';
import { playgroundRouter } from './routes.ts';
import { PLAYGROUND_DATA_DIR, type Started } from './start.ts';

type Env = Readonly<Record<string, string | undefined>>;

export async function startPlayground(config: Config, options: StartOptions): Promise<Started> {
  const env = options.env ?? process.env;
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
