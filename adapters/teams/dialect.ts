/** How Teams differs in words and sizes: commands are typed to the bot in a personal chat, without a "/". */
import type { ChatDialect } from '../../src/chat/index.ts';

export const TEAMS_DIALECT: ChatDialect = { platform: 'teams', platformName: 'Teams', commandPrefix: '', personalView: 'personal chat with accessbot' };

/** Items per list in an answer card (Teams cards stay well under their ~28 KB limit with this many). */
export const ANSWER_ITEMS_PER_LIST = 10;
