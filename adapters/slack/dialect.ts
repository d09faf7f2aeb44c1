/** How Slack differs in words and sizes: slash commands, the App Home, and how many list items fit. */
import type { ChatDialect } from '../../src/chat/index.ts';

export const SLACK_DIALECT: ChatDialect = { platform: 'slack', platformName: 'Slack', commandPrefix: '/', personalView: 'App Home' };

/** Items per App Home list: 3 lists × (1 header + 15 × 2 blocks + 1 "more") + 2 dividers + 1 button row = 99 ≤ 100 blocks. */
export const HOME_ITEMS_PER_LIST = 15;

/** Ephemeral answers hold 50 blocks; their lists show this many items (≤ 2 blocks each) and point to App Home. */
export const ANSWER_ITEMS_PER_LIST = 10;
