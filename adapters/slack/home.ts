/** The App Home tab: the chat layer's personal view, published with views.publish for the person it is about. */
import { PersonalViews } from '../../src/chat/index.ts';
import type { AppContext } from '../../src/app/context.ts';
import type { Logger } from '../../src/logging.ts';
import { HOME_ITEMS_PER_LIST, SLACK_DIALECT } from './dialect.ts';
import type { SlackDirectory } from './identity.ts';
import { renderHome } from './render/index.ts';
import type { WebClient } from './services.ts';

export function slackHomes(ctx: AppContext, client: WebClient, directory: SlackDirectory, log: Logger): PersonalViews {
  return new PersonalViews({
    ctx,
    dialect: SLACK_DIALECT,
    log,
    itemsPerList: HOME_ITEMS_PER_LIST,
    surface: {
      publish: async (userId, view) => {
        await client.views.publish({ user_id: userId, view: renderHome(view) });
      },
      person: (userId) => directory.person(userId),
      cached: (userId) => directory.cached(userId),
    },
  });
}
