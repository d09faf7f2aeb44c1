/** The Slack adapter: a Bolt app over the core. Listeners live in commands/, actions/, views/ and events/. */
import type { ChatAdapter, ChatAdapterDeps } from '../../src/chat-adapter.ts';
import type { SlackConfig } from '../../src/config/env.ts';
import type { Metrics } from '../../src/http/metrics.ts';
import { registerActions } from './actions/index.ts';
import { createBoltApp } from './bolt-app.ts';
import { registerCommands } from './commands/index.ts';
import { SlackChatPort } from './delivery/slack-port.ts';
import { registerEvents } from './events/index.ts';
import { HomeTabs } from './home.ts';
import { SlackDirectory } from './identity.ts';
import { dropDuplicates, SeenDeliveries } from './middleware.ts';
import type { SlackServices } from './services.ts';
import { registerViews } from './views/index.ts';

export interface SlackAdapterDeps extends ChatAdapterDeps {
  config: SlackConfig;
  metrics: Metrics;
}

export function createSlackAdapter({ ctx, http, config, metrics }: SlackAdapterDeps): ChatAdapter & { services: SlackServices } {
  const log = ctx.log.child({ platform: 'slack' });
  const bolt = createBoltApp(config, http, log);
  const client = bolt.app.client;
  const directory = new SlackDirectory(client, () => ctx.clock.now());
  const homes = new HomeTabs(ctx, client, directory, log);
  const services: SlackServices = { ctx, client, directory, homes, metrics, log };
  bolt.app.use(dropDuplicates(new SeenDeliveries(ctx.store), log));
  for (const register of [registerCommands, registerActions, registerViews, registerEvents]) register(bolt.app, services);
  return {
    port: new SlackChatPort(ctx, client, homes, log, directory),
    services,
    start: () => bolt.start(),
    stop: async () => {
      await bolt.stop();
      await homes.idle();
    },
  };
}
