/** Public shapes of the Slack Web API emulator: its configuration and what it records. */
import type { SlackLimits } from './limits.ts';

export interface EmulatedUser {
  id: string;
  /** Slack handle, e.g. "alice". */
  name: string;
  email?: string;
  realName?: string;
  isBot?: boolean;
  deleted?: boolean;
  tz?: string;
  /** Home workspace of a user from another organisation (Slack Connect); default: the emulated team. */
  teamId?: string;
}

export interface EmulatedChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** When given, chat.postEphemeral only reaches these users. */
  members?: string[];
  /** false: the bot was not invited, so posting answers not_in_channel. */
  botIsMember?: boolean;
}

export interface EmulatedUsergroup {
  id: string;
  handle: string;
  users: string[];
}

export interface EmulatorOptions {
  /** Port to listen on (0 = any free port). Always bound to 127.0.0.1. */
  port?: number;
  users?: EmulatedUser[];
  channels?: EmulatedChannel[];
  usergroups?: EmulatedUsergroup[];
  /** The only token accepted; any other answers invalid_auth. */
  botToken?: string;
  team?: { id: string; domain: string; name?: string };
  bot?: { userId: string; botId: string; appId: string; name: string };
  limits?: Partial<SlackLimits>;
  /** Wall clock for ts values and trigger expiry (ms). */
  now?: () => number;
}

export interface RecordedCall {
  seq: number;
  method: string;
  /** Arguments as the app sent them, with JSON-string fields (blocks, view, attachments, metadata) decoded. */
  args: Record<string, unknown>;
  token: string | null;
  contentType: string;
  at: number;
  status: number;
  response: Record<string, unknown>;
}

export interface MessageRevision {
  text: string;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  editedAt: string | null;
}

export interface EmulatedMessage {
  channel: string;
  ts: string;
  threadTs: string | null;
  user: string;
  botId: string;
  text: string;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  metadata: unknown;
  deleted: boolean;
  /** Every version, oldest first; the last one is the current content. */
  history: MessageRevision[];
}

export interface EphemeralMessage {
  via: 'chat.postEphemeral' | 'response_url';
  channel: string | null;
  user: string | null;
  responseUrlId: string | null;
  text: string;
  blocks: unknown[] | undefined;
  /** response_url flags, as sent. */
  replaceOriginal: boolean;
  deleteOriginal: boolean;
  responseType: 'ephemeral' | 'in_channel';
  ts: string;
}

export interface ResponseUrlContext {
  channel?: string | null;
  user?: string | null;
}

export interface EmulatedView {
  id: string;
  via: 'open' | 'push' | 'publish';
  /** The user the view belongs to, when known (publish, or a trigger issued by the emulator). */
  user: string | null;
  triggerId: string | null;
  /** The view as Slack would return it (id, hash, state…); updated by views.update. */
  view: Record<string, unknown>;
  history: Record<string, unknown>[];
}

export interface FailureSpec {
  /** HTTP status; 429 adds Retry-After. Default 200 with ok:false. */
  status?: number;
  /** Seconds for Retry-After (429). Default 1. */
  retryAfter?: number;
  /** Slack error code in the body. Default 'ratelimited' for 429, else 'internal_error'. */
  error?: string;
  /** How many consecutive calls fail. Default 1. */
  times?: number;
}
