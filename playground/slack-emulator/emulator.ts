/**
 * An in-memory Slack workspace that answers Slack's Web API on the wire (see server.ts for the HTTP side).
 * Tests use it to assert what the app sent; the playground uses it as the Slack the browser shows.
 */
import { SlackApiError } from './errors.ts';
import { checkMessageLimits, limitErrorBody, SLACK_LIMITS, type SlackLimits } from './limits.ts';
import { METHODS, isObjectValue } from './methods.ts';
import { EmulatorStore } from './store.ts';
import { Workspace } from './workspace.ts';
import type {
  EmulatedChannel,
  EmulatedMessage,
  EmulatedUser,
  EmulatedView,
  EmulatorOptions,
  EphemeralMessage,
  FailureSpec,
  RecordedCall,
  ResponseUrlContext,
} from './types.ts';

export const DEFAULT_BOT_TOKEN = 'xoxb-emulator-0000-token';
export const DEFAULT_TEAM = { id: 'T0EMULATOR', domain: 'accessbot-playground', name: 'accessbot playground' } as const;
export const DEFAULT_BOT = { userId: 'U0ACCESSBOT', botId: 'B0ACCESSBOT', appId: 'A0ACCESSBOT', name: 'accessbot' } as const;

/** Form fields Slack decodes from JSON strings. */
const JSON_FIELDS: Record<string, string> = {
  blocks: 'invalid_blocks_format',
  attachments: 'invalid_attachments',
  view: 'invalid_arguments',
  metadata: 'invalid_metadata_format',
};

export interface WireRequest {
  method: string;
  rawBody: string;
  contentType: string;
  authorization: string | undefined;
  query?: Record<string, string>;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

type Listener = () => void;

export class SlackEmulator {
  readonly calls: RecordedCall[] = [];
  readonly botToken: string;
  readonly team: { id: string; domain: string; name: string };
  readonly bot: { userId: string; botId: string; appId: string; name: string };
  readonly limits: SlackLimits;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:PORT/ (set once listening). */
  baseUrl = '';
  private readonly store: EmulatorStore;
  private readonly failures = new Map<string, FailureSpec[]>();
  private readonly listeners = new Set<Listener>();
  private readonly now: () => number;
  private seq = 0;
  private closer: (() => Promise<void>) | null = null;

  constructor(options: EmulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.botToken = options.botToken ?? DEFAULT_BOT_TOKEN;
    this.team = { ...DEFAULT_TEAM, ...options.team, name: options.team?.name ?? options.team?.domain ?? DEFAULT_TEAM.name };
    this.bot = { ...DEFAULT_BOT, ...options.bot };
    this.limits = { ...SLACK_LIMITS, ...options.limits };
    const workspace = new Workspace(options.users ?? [], options.channels ?? [], options.usergroups ?? []);
    this.store = new EmulatorStore(workspace, this.team, this.bot, options.limits ?? {}, this.now);
  }

  /** What `slackApiUrl` / SLACK_API_URL expects: WebClient posts to `${url}${method}`. */
  get url(): string {
    return `${this.baseUrl}api/`;
  }

  /** A response_url the emulator records posts to (Slack's hooks.slack.com/commands/… stand-in). */
  responseUrlFor(id: string, context: ResponseUrlContext = {}): string {
    this.store.registerResponseUrl(id, context);
    return `${this.baseUrl}response/${encodeURIComponent(id)}`;
  }

  /** A trigger id that lives 3 s and can be exchanged once, tied to a user (for views.open/push). */
  issueTrigger(user: string | null = null): string {
    return this.store.issueTrigger(user);
  }

  get users(): EmulatedUser[] {
    return this.store.workspace.listUsers();
  }

  get channels(): EmulatedChannel[] {
    return this.store.workspace.listChannels();
  }

  /** The bot's DM channel with a user (opened if needed). */
  imChannel(userId: string): string {
    return this.store.workspace.openIm(userId);
  }

  /**
   * Messages in one conversation (a channel id, a DM id, or a user id meaning the bot's DM with them), oldest
   * first, deleted ones excluded; without an argument, every message in the workspace.
   */
  messages(channel?: string): EmulatedMessage[] {
    if (channel === undefined) return [...this.store.messagesByChannel.values()].flat().filter((m) => !m.deleted);
    const id = /^[UW]/.test(channel) && this.store.workspace.user(channel) ? this.store.workspace.openIm(channel) : channel;
    return (this.store.messagesByChannel.get(id) ?? []).filter((m) => !m.deleted);
  }

  message(channel: string, ts: string): EmulatedMessage | undefined {
    return this.messages(channel).find((m) => m.ts === ts);
  }

  /** Replies in a message's thread, oldest first. */
  thread(channel: string, ts: string): EmulatedMessage[] {
    return this.messages(channel).filter((m) => m.threadTs === ts && m.ts !== ts);
  }

  get ephemerals(): EphemeralMessage[] {
    return this.store.ephemerals;
  }

  /** Modals opened or pushed, and home tabs published, in order. */
  get views(): EmulatedView[] {
    return this.store.views;
  }

  homeView(userId: string): Record<string, unknown> | undefined {
    return this.store.homeView(userId)?.view;
  }

  /** Calls of one method, oldest first. */
  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Make the next call(s) of a method fail: HTTP 429 with Retry-After, another status, or an ok:false error. */
  failNext(method: string, spec: FailureSpec = { status: 429 }): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < (spec.times ?? 1); i++) queue.push(spec);
    this.failures.set(method, queue);
  }

  /** Called after every recorded call or response_url post; returns an unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the predicate's first truthy value; rejects after timeoutMs listing the calls seen. */
  waitFor<T>(predicate: (emulator: this) => T | null | undefined | false, timeoutMs = 2000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        const value = predicate(this);
        if (value) {
          done();
          resolve(value);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        const seen = this.calls.map((c) => `${c.method}${c.response.ok ? '' : `(${String(c.response.error)})`}`).join(', ') || 'none';
        reject(new Error(`waitFor timed out after ${timeoutMs} ms; calls so far: ${seen}`));
      }, timeoutMs);
      const unsubscribe = this.onChange(() => void check());
      const done = (): void => {
        clearTimeout(timer);
        unsubscribe();
      };
      check();
    });
  }

  /** Forget calls, messages, views, ephemerals and queued failures; users and channels stay. */
  reset(): void {
    this.calls.length = 0;
    this.failures.clear();
    this.store.clear();
  }

  setCloser(closer: () => Promise<void>): void {
    this.closer = closer;
  }

  async close(): Promise<void> {
    const closer = this.closer;
    this.closer = null;
    this.listeners.clear();
    if (closer) await closer();
  }

  /** Answer one Web API request exactly as it arrived on the wire. */
  handleApiCall(request: WireRequest): WireResponse {
    const parsed = parseArgs(request);
    const token = bearer(request.authorization) ?? (typeof parsed.args.token === 'string' ? parsed.args.token : null);
    delete parsed.args.token;
    const answer = this.answer(request.method, parsed, token);
    this.record({
      seq: ++this.seq,
      method: request.method,
      args: parsed.args,
      token,
      contentType: request.contentType,
      at: this.now(),
      status: answer.status,
      response: answer.body,
    });
    return answer;
  }

  /** A post to a response_url (JSON, or form `payload=`), as Bolt's respond() sends it. */
  handleResponseUrl(id: string, rawBody: string, contentType: string): WireResponse {
    let status = 200;
    let body: Record<string, unknown> = { ok: true };
    let args: Record<string, unknown> = {};
    try {
      args = parseResponseBody(rawBody, contentType);
      const context = this.store.useResponseUrl(id);
      const failure = checkMessageLimits(args, this.store.limits);
      if (failure) {
        status = 400;
        body = limitErrorBody(failure);
      } else {
        this.store.ephemerals.push({
          via: 'response_url',
          channel: context.channel ?? null,
          user: context.user ?? null,
          responseUrlId: id,
          text: typeof args.text === 'string' ? args.text : '',
          blocks: Array.isArray(args.blocks) ? args.blocks : undefined,
          replaceOriginal: args.replace_original === true || args.replace_original === 'true',
          deleteOriginal: args.delete_original === true || args.delete_original === 'true',
          responseType: args.response_type === 'in_channel' ? 'in_channel' : 'ephemeral',
          ts: this.store.nextTs(),
        });
      }
    } catch (error) {
      if (!(error instanceof SlackApiError)) throw error;
      status = error.error === 'used_url' ? 404 : 400;
      body = error.body();
    }
    this.record({ seq: ++this.seq, method: 'response_url', args: { ...args, response_url_id: id }, token: null, contentType, at: this.now(), status, response: body });
    return { status, headers: {}, body };
  }

  private answer(method: string, parsed: ParsedArgs, token: string | null): WireResponse {
    const ok = (body: Record<string, unknown>, status = 200, headers: Record<string, string> = {}): WireResponse => ({ status, headers, body });
    const handler = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (!handler) return ok({ ok: false, error: 'unknown_method', req_method: method });
    if (!token) return ok({ ok: false, error: 'not_authed' });
    if (token !== this.botToken) return ok({ ok: false, error: 'invalid_auth' });
    const failure = this.failures.get(method)?.shift();
    if (failure) {
      if (failure.status === 429) {
        const retryAfter = String(failure.retryAfter ?? 1);
        return ok({ ok: false, error: failure.error ?? 'ratelimited' }, 429, { 'Retry-After': retryAfter });
      }
      return ok({ ok: false, error: failure.error ?? 'internal_error' }, failure.status ?? 200);
    }
    if (parsed.badJsonField) return ok(new SlackApiError(parsed.badJsonField).body());
    try {
      return ok({ ok: true, ...handler(this.store, parsed.args) });
    } catch (error) {
      if (error instanceof SlackApiError) return ok(error.body());
      return ok({ ok: false, error: 'internal_error', detail: error instanceof Error ? error.message : String(error) }, 500);
    }
  }

  private record(call: RecordedCall): void {
    this.calls.push(call);
    for (const listener of [...this.listeners]) listener();
  }
}

interface ParsedArgs {
  args: Record<string, unknown>;
  /** The Slack error code for a JSON-string field that did not parse. */
  badJsonField: string | null;
}

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

function parseArgs(request: WireRequest): ParsedArgs {
  const args: Record<string, unknown> = { ...request.query };
  let badJsonField: string | null = null;
  if (request.contentType.includes('application/json')) {
    try {
      const body: unknown = request.rawBody ? JSON.parse(request.rawBody) : {};
      if (isObjectValue(body)) Object.assign(args, body);
      else badJsonField = 'invalid_json';
    } catch {
      badJsonField = 'invalid_json';
    }
    return { args, badJsonField };
  }
  for (const [key, value] of new URLSearchParams(request.rawBody)) args[key] = value;
  for (const [field, errorCode] of Object.entries(JSON_FIELDS)) {
    const value = args[field];
    if (typeof value !== 'string') continue;
    try {
      args[field] = JSON.parse(value);
    } catch {
      badJsonField ??= errorCode;
    }
  }
  return { args, badJsonField };
}

function parseResponseBody(rawBody: string, contentType: string): Record<string, unknown> {
  let value: unknown;
  try {
    if (contentType.includes('application/json')) value = JSON.parse(rawBody);
    else value = JSON.parse(new URLSearchParams(rawBody).get('payload') ?? '');
  } catch {
    throw new SlackApiError('invalid_payload');
  }
  if (!isObjectValue(value)) throw new SlackApiError('invalid_payload');
  return value;
}
