/**
 * `accessbot serve` with no Slack or Teams credentials starts the playground: the emulated Slack workspace, the
 * real Slack adapter pointed at it (SLACK_API_URL-style, with a signing secret made up for this run), and the
 * page at http://localhost:PORT/. With credentials it never starts; ACCESSBOT_PLAYGROUND=0 turns it off.
 * The playground's modules (emulator, page routes) are loaded only when it starts: a configured bot never loads them.
 */
import { ConfigError, type Config } from '../../src/config/env.ts';
import { startAccessbot, type RunningAccessbot, type StartOptions } from '../../src/main.ts';
import type { Playground } from './playground.ts';

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
  if (!playgroundWanted(config, options.env ?? process.env)) return { app: await startAccessbot(config, options), playground: null };
  return (await import('./start-playground.ts')).startPlayground(config, options);
}
