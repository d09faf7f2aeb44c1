/** What every Slack listener and the chat port share, built once by createSlackAdapter. */
import type { webApi } from '@slack/bolt';
import type { AppContext } from '../../src/app/context.ts';
import type { Metrics } from '../../src/http/metrics.ts';
import type { Logger } from '../../src/logging.ts';
import type { SlackDirectory } from './identity.ts';
import type { HomeTabs } from './home.ts';

export type WebClient = webApi.WebClient;

export interface SlackServices {
  ctx: AppContext;
  client: WebClient;
  directory: SlackDirectory;
  homes: HomeTabs;
  metrics: Metrics;
  log: Logger;
}
