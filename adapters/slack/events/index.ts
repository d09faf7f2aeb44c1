/** Events API: App Home. Bolt acks events itself before listeners run; duplicates are dropped by middleware. */
import type { App } from '@slack/bolt';
import type { SlackServices } from '../services.ts';

export function registerEvents(app: App, s: SlackServices): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    try {
      await s.homes.publish(event.user);
    } catch (error) {
      s.log.warn({ user: event.user, err: error instanceof Error ? error.message : String(error) }, 'could not publish App Home');
    }
  });
}
