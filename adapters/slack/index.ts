/**
 * The Slack adapter: a Bolt app over the core and the chat layer (src/chat). Listeners live in commands/,
 * actions/, views/ and events/; delivery goes through the chat layer's ChatDelivery on a Slack transport.
 */
import { CHAT_WORK_BUDGET, ChatDelivery, SeenDeliveries, WorkBudget } from '../../src/chat/index.ts';
import type { ChatAdapter, ChatAdapterDeps } from '../../src/chat-adapter.ts';
import type { SlackConfig } from '../../src/config/env.ts';
import type { Metrics } from '../../src/http/metrics.ts';
import { registerActions } from './actions/index.ts';
import { withApproverMentions } from './approver-mentions.ts';
import { createBoltApp } from './bolt-app.ts';
import { registerCommands } from './commands/index.ts';
import { SlackTransport } from './delivery/slack-transport.ts';
import { SLACK_DIALECT } from './dialect.ts';
import { registerEvents } from './events/index.ts';
import { slackHomes } from './home.ts';
import { SlackDirectory } from './identity.ts';
import { dropDuplicates, withinWorkBudget } from './middleware.ts';
import type { SlackServices } from './services.ts';
import { registerViews } from './views/index.ts';
import { slackPersonFor } from './approver-people.ts';

export interface SlackAdapterDeps extends ChatAdapterDeps {
  config: SlackConfig;
  metrics: Metrics;
}

export function createSlackAdapter({ ctx, http, config, metrics }: SlackAdapterDeps): ChatAdapter & { services: SlackServices } {
  const log = ctx.log.child({ platform: 'slack' });
  const bolt = createBoltApp(config, http, log);
  const client = bolt.app.client;
  const directory = new SlackDirectory(client, () => ctx.clock.now());
  const homes = slackHomes(ctx, client, directory, log);
  const services: SlackServices = { ctx, client, directory, homes, metrics, log };
  bolt.app.use(withinWorkBudget(new WorkBudget(CHAT_WORK_BUDGET, (outcome) => metrics.chatRequestsWaited.inc({ outcome }))));
  bolt.app.use(dropDuplicates(new SeenDeliveries(ctx, SLACK_DIALECT.platform), log));
  for (const register of [registerCommands, registerActions, registerViews, registerEvents]) register(bolt.app, services);
  const port = new ChatDelivery({
    ctx,
    transport: new SlackTransport(client),
    dialect: SLACK_DIALECT,
    log,
    withMentions: (view) => withApproverMentions(directory, view),
    onRequestChanged: (view) => homes.refreshAround(view),
    personFor: (member) => slackPersonFor(directory, member),
  });
  return {
    port,
    services,
    start: () => bolt.start(),
    stop: async () => {
      await bolt.stop();
      await homes.idle();
    },
  };
}
