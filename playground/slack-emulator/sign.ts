/**
 * Builds requests exactly as Slack sends them to an app: slash commands (form body), interactivity
 * (`payload=<json>` form body) and Events API callbacks (JSON), each signed with
 * `X-Slack-Signature: v0=HMAC_SHA256(secret, "v0:{ts}:{raw body}")` and `X-Slack-Request-Timestamp`.
 * Options produce the bad cases too: a wrong secret, a stale timestamp, a retry header.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { StateValues } from './state-values.ts';

export interface SignerOptions {
  signingSecret: string;
  teamId?: string;
  teamDomain?: string;
  appId?: string;
  /** The deprecated verification token Slack still includes in payloads. */
  verificationToken?: string;
  /** The bot's user id, for event authorizations. */
  botUserId?: string;
  /** Response URLs to hand out; defaults to a closed loopback port so nothing leaves the machine. */
  responseUrl?: () => string;
  /** Wall clock in ms (timestamps, action_ts). */
  now?: () => number;
}

export interface SignOptions {
  /** Sign with this secret instead of the real one. */
  secret?: string;
  /** Use this timestamp (unix seconds). */
  timestamp?: number;
  /** Pretend the request was made this many seconds ago (Bolt refuses > 300). */
  ageSeconds?: number;
  /** Add X-Slack-Retry-Num (and X-Slack-Retry-Reason), as Slack does when it redelivers. */
  retryNum?: number;
  retryReason?: string;
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
  /** The decoded payload (command fields, interaction payload or event envelope), for assertions. */
  payload: Record<string, unknown>;
}

export interface SlackActor {
  userId: string;
  userName?: string;
}

export interface SlashCommandInput extends SlackActor {
  command: string;
  text?: string;
  channelId?: string;
  channelName?: string;
  responseUrl?: string;
  triggerId?: string;
}

export interface ActionInput {
  actionId: string;
  value?: string;
  blockId?: string;
  text?: string;
  type?: 'button';
  style?: 'primary' | 'danger';
}

export interface BlockActionInput extends SlackActor {
  actions: ActionInput[];
  /** The message the buttons were on (card, DM, ephemeral). */
  message?: { channel: string; channelName?: string; ts: string; text?: string; blocks?: unknown[]; threadTs?: string; isEphemeral?: boolean };
  /** The view the buttons were on (App Home, modal), as the emulator stores it. */
  view?: Record<string, unknown>;
  stateValues?: StateValues;
  responseUrl?: string;
  triggerId?: string;
}

export interface ViewSubmissionInput extends SlackActor {
  /** The view being submitted, as the emulator stores it (id, callback_id, private_metadata, hash, blocks…). */
  view?: Record<string, unknown>;
  callbackId?: string;
  privateMetadata?: string;
  viewId?: string;
  values: StateValues;
  triggerId?: string;
}

export interface AppHomeOpenedInput extends SlackActor {
  tab?: 'home' | 'messages';
  channel?: string;
  view?: Record<string, unknown>;
}

export class SlackRequestSigner {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly appId: string;
  private readonly verificationToken: string;
  private readonly now: () => number;
  private readonly responseUrl: () => string;
  private seq = 0;

  constructor(private readonly options: SignerOptions) {
    this.teamId = options.teamId ?? 'T0EMULATOR';
    this.teamDomain = options.teamDomain ?? 'accessbot-playground';
    this.appId = options.appId ?? 'A0ACCESSBOT';
    this.verificationToken = options.verificationToken ?? 'legacy-verification-token';
    this.now = options.now ?? Date.now;
    this.responseUrl = options.responseUrl ?? (() => `http://127.0.0.1:9/response/${this.nextId()}`);
  }

  /** A slash command as Slack posts it: a form body. */
  slashCommand(input: SlashCommandInput, sign: SignOptions = {}): SignedRequest {
    const fields: Record<string, string> = {
      token: this.verificationToken,
      team_id: this.teamId,
      team_domain: this.teamDomain,
      channel_id: input.channelId ?? 'C0GENERAL',
      channel_name: input.channelName ?? 'general',
      user_id: input.userId,
      user_name: input.userName ?? input.userId.toLowerCase(),
      command: input.command,
      text: input.text ?? '',
      api_app_id: this.appId,
      is_enterprise_install: 'false',
      response_url: input.responseUrl ?? this.responseUrl(),
      trigger_id: input.triggerId ?? this.triggerId(),
    };
    return this.sign(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', fields, sign);
  }

  /** A button click (block_actions) from a message or a view. */
  blockAction(input: BlockActionInput, sign: SignOptions = {}): SignedRequest {
    const actionTs = this.actionTs();
    const payload: Record<string, unknown> = {
      type: 'block_actions',
      user: this.user(input),
      api_app_id: this.appId,
      token: this.verificationToken,
      container: input.message
        ? { type: 'message', message_ts: input.message.ts, channel_id: input.message.channel, is_ephemeral: input.message.isEphemeral ?? false }
        : { type: 'view', view_id: input.view?.id ?? null },
      trigger_id: input.triggerId ?? this.triggerId(),
      team: { id: this.teamId, domain: this.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      state: { values: input.stateValues ?? {} },
      actions: input.actions.map((a) => ({
        action_id: a.actionId,
        block_id: a.blockId ?? 'actions',
        text: { type: 'plain_text', text: a.text ?? a.actionId, emoji: true },
        ...(a.value !== undefined ? { value: a.value } : {}),
        ...(a.style ? { style: a.style } : {}),
        type: a.type ?? 'button',
        action_ts: actionTs,
      })),
    };
    if (input.message) {
      payload.channel = { id: input.message.channel, name: input.message.channelName ?? input.message.channel };
      payload.message = {
        type: 'message',
        ts: input.message.ts,
        text: input.message.text ?? '',
        ...(input.message.blocks ? { blocks: input.message.blocks } : {}),
        ...(input.message.threadTs ? { thread_ts: input.message.threadTs } : {}),
      };
      payload.response_url = input.responseUrl ?? this.responseUrl();
    }
    if (input.view) payload.view = { ...input.view, state: { values: input.stateValues ?? {} } };
    return this.interaction(payload, sign);
  }

  /** A modal submitted with these input values. */
  viewSubmission(input: ViewSubmissionInput, sign: SignOptions = {}): SignedRequest {
    const base = input.view ?? {};
    const id = input.viewId ?? (typeof base.id === 'string' ? base.id : `V${this.nextId()}`);
    const view = {
      id,
      team_id: this.teamId,
      type: 'modal',
      blocks: [],
      private_metadata: '',
      callback_id: '',
      hash: `${Math.floor(this.now() / 1000)}.${this.nextId()}`,
      title: { type: 'plain_text', text: 'Modal', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      previous_view_id: null,
      root_view_id: id,
      app_id: this.appId,
      external_id: '',
      app_installed_team_id: this.teamId,
      bot_id: 'B0ACCESSBOT',
      ...base,
      ...(input.callbackId !== undefined ? { callback_id: input.callbackId } : {}),
      ...(input.privateMetadata !== undefined ? { private_metadata: input.privateMetadata } : {}),
      state: { values: input.values },
    };
    const payload = {
      type: 'view_submission',
      team: { id: this.teamId, domain: this.teamDomain },
      user: this.user(input),
      api_app_id: this.appId,
      token: this.verificationToken,
      trigger_id: input.triggerId ?? this.triggerId(),
      view,
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return this.interaction(payload, sign);
  }

  /** The app_home_opened event (Events API, JSON body). */
  appHomeOpened(input: AppHomeOpenedInput, sign: SignOptions = {}): SignedRequest {
    return this.event(
      {
        type: 'app_home_opened',
        user: input.userId,
        channel: input.channel ?? `D${input.userId.replace(/^[UW]/, '').padStart(8, '0')}`,
        tab: input.tab ?? 'home',
        ...(input.view ? { view: input.view } : {}),
        event_ts: this.actionTs(),
      },
      sign,
    );
  }

  /** Any Events API event wrapped in an event_callback envelope. */
  event(event: Record<string, unknown>, sign: SignOptions = {}): SignedRequest {
    const envelope = {
      token: this.verificationToken,
      team_id: this.teamId,
      api_app_id: this.appId,
      event,
      type: 'event_callback',
      event_id: `Ev${this.nextId().toUpperCase()}`,
      event_time: Math.floor(this.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: this.teamId, user_id: this.options.botUserId ?? 'U0ACCESSBOT', is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${this.nextId()}`,
    };
    return this.sign(JSON.stringify(envelope), 'application/json', envelope, sign);
  }

  /** Sign any raw body. */
  sign(body: string, contentType: string, payload: Record<string, unknown>, options: SignOptions = {}): SignedRequest {
    const timestamp = options.timestamp ?? Math.floor(this.now() / 1000) - (options.ageSeconds ?? 0);
    const signature = createHmac('sha256', options.secret ?? this.options.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': `v0=${signature}`,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    };
    if (options.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(options.retryNum);
      headers['x-slack-retry-reason'] = options.retryReason ?? 'http_timeout';
    }
    return { body, headers, payload };
  }

  private interaction(payload: Record<string, unknown>, sign: SignOptions): SignedRequest {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.sign(body, 'application/x-www-form-urlencoded', payload, sign);
  }

  private user(actor: SlackActor): Record<string, string> {
    const name = actor.userName ?? actor.userId.toLowerCase();
    return { id: actor.userId, username: name, name, team_id: this.teamId };
  }

  private triggerId(): string {
    return `${Math.floor(this.now() / 1000)}${this.seq}.${this.teamId.replace(/\D/g, '') || '1'}.${randomBytes(16).toString('hex')}`;
  }

  private actionTs(): string {
    return (this.now() / 1000).toFixed(6);
  }

  private nextId(): string {
    this.seq += 1;
    return `${this.seq.toString(36)}${randomBytes(4).toString('hex')}`;
  }
}

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON when it is JSON, else null. */
  json: unknown;
}

/** POST a signed request to the app (e.g. http://127.0.0.1:PORT/slack/events). */
export async function postToApp(url: string, request: SignedRequest): Promise<AppResponse> {
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, headers: Object.fromEntries(response.headers.entries()), text, json };
}
