/**
 * The Teams adapter: botbuilder's CloudAdapter on POST /api/messages of the shared express server, over the
 * core and the chat layer (src/chat). Every botbuilder import stays in this folder, so moving to a successor
 * SDK is a one-folder change. Delivery goes through the chat layer's ChatDelivery on a Teams transport that
 * posts proactively with conversation references kept in the store.
 */
import { CloudAdapter } from 'botbuilder';
import { ChatDelivery, SeenDeliveries } from '../../src/chat/index.ts';
import type { ChatAdapter, ChatAdapterDeps } from '../../src/chat-adapter.ts';
import type { TeamsConfig } from '../../src/config/env.ts';
import { ApprovalViews } from './approval-views.ts';
import { teamsPersonFor } from './approver-people.ts';
import { audienceOf, createAuthentication, type TeamsAuthSettings } from './auth.ts';
import { AccessBot } from './bot.ts';
import { TeamsConversations } from './conversations.ts';
import { TeamsTransport } from './delivery/teams-transport.ts';
import { TEAMS_DIALECT } from './dialect.ts';
import { mountTeamsEndpoint, TEAMS_MESSAGES_PATH } from './endpoint.ts';
import { TeamsDirectory } from './identity.ts';
import { Proactive } from './proactive.ts';
import type { TeamsServices } from './services.ts';

export { TEAMS_MESSAGES_PATH };
export type { TeamsAuthSettings };

export interface TeamsAdapterDeps extends ChatAdapterDeps {
  /** The app registration; null only with TEAMS_EMULATOR=1 (no authentication). */
  config: TeamsConfig | null;
  /** Bot Framework endpoint settings for other clouds (and the tests' loopback OpenID metadata). */
  authSettings?: TeamsAuthSettings;
}

export function createTeamsAdapter({ ctx, http, config, authSettings = {} }: TeamsAdapterDeps): ChatAdapter & { services: TeamsServices } {
  const log = ctx.log.child({ platform: 'teams' });
  if (!config) {
    log.warn(
      '⚠️  TEAMS_EMULATOR=1: POST /api/messages accepts Teams activities WITHOUT authentication — anyone who can reach this port can act as anyone. ' +
        'Local use and tests only; set MICROSOFT_APP_ID (and its password and tenant) in production.',
    );
  }
  const adapter = new CloudAdapter(createAuthentication(config, authSettings));
  const homeTenant = config?.tenantId ?? null;
  const conversations = new TeamsConversations(ctx, homeTenant);
  const directory = new TeamsDirectory(conversations, homeTenant, () => ctx.clock.now());
  const views = new ApprovalViews(ctx, conversations);
  const services: TeamsServices = { ctx, log, directory, conversations, views, seen: new SeenDeliveries(ctx, TEAMS_DIALECT.platform) };
  const proactive = new Proactive(adapter, config?.appId ?? '', audienceOf(authSettings));
  const bot = new AccessBot(services);
  mountTeamsEndpoint(http, adapter, (context) => bot.run(context), log);
  const port = new ChatDelivery({
    ctx,
    transport: new TeamsTransport(ctx, conversations, views, proactive, log),
    dialect: TEAMS_DIALECT,
    log,
    personFor: (member) => teamsPersonFor(conversations, member),
  });
  return {
    port,
    services,
    start: async () => {
      log.info({ path: TEAMS_MESSAGES_PATH, auth: config ? config.appType : 'off (emulator)' }, 'Teams endpoint ready');
    },
    stop: async () => {},
  };
}
