/** What every Teams handler and the transport share, built once by createTeamsAdapter. */
import type { AppContext } from '../../src/app/context.ts';
import type { SeenDeliveries } from '../../src/chat/index.ts';
import type { Logger } from '../../src/logging.ts';
import type { ApprovalViews } from './approval-views.ts';
import type { TeamsConversations } from './conversations.ts';
import type { TeamsDirectory } from './identity.ts';

export interface TeamsServices {
  ctx: AppContext;
  log: Logger;
  directory: TeamsDirectory;
  conversations: TeamsConversations;
  views: ApprovalViews;
  /** Activities seen recently, on every replica (Teams redelivers). */
  seen: SeenDeliveries;
}
