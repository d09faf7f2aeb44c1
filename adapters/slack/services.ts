/** What every Slack listener and the transport share, built once by createSlackAdapter. */
import type { webApi } from '@slack/bolt';
import type { AppContext } from '../../src/app/context.ts';
import type { PersonalViews } from '../../src/chat/index.ts';
import type { Metrics } from '../../src/http/metrics.ts';
import type { Logger } from '../../src/logging.ts';
import type { SlackDirectory } from './identity.ts';

export type WebClient = webApi.WebClient;

export interface SlackServices {
  ctx: AppContext;
  client: WebClient;
  directory: SlackDirectory;
  /** App Homes (the chat layer's personal views). */
  homes: PersonalViews;
  metrics: Metrics;
  log: Logger;
}
