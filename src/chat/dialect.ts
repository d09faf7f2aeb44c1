/**
 * The few words that differ between chat platforms, given by each adapter: how a command is typed (`/access`
 * in Slack, `access` in a Teams chat), what the platform and its personal view are called. Everything else
 * people read is written once, in src/chat.
 */
import type { Platform } from '../domain/policy.ts';
import { code, type Inline } from './rich-text.ts';

export interface ChatDialect {
  platform: Platform;
  /** "Slack", "Teams": in "your Slack id is …". */
  platformName: string;
  /** What precedes a command word: "/" for slash commands, "" where people type to the bot. */
  commandPrefix: string;
  /** Where a person sees their own access: "App Home". */
  personalView: string;
}

const PLATFORM_NAMES: Record<Platform, string> = { slack: 'Slack', teams: 'Teams' };

/** The other platforms a policy may name people on, and what their users are called ("Teams user"). */
export function otherPlatforms(dialect: ChatDialect): { prefix: string; userWord: string }[] {
  return (Object.keys(PLATFORM_NAMES) as Platform[]).filter((p) => p !== dialect.platform).map((p) => ({ prefix: `${p}:`, userWord: `${PLATFORM_NAMES[p]} user` }));
}

/** A command as typed on this platform, e.g. "/access extend AR-42 30m". */
export const commandText = (dialect: ChatDialect, words: string): string => `${dialect.commandPrefix}${words}`;

/** The same, as code. */
export const command = (dialect: ChatDialect, words: string): Inline => code(commandText(dialect, words));
