/**
 * One playground: the emulated Slack workspace (in memory, answering the bot's Web API calls) and the Slack side
 * of every interaction. A person's action on the page becomes exactly the signed request Slack would send to the
 * bot's own POST /slack/events — a slash command, a button click, a form submission, App Home opened — so the
 * real Slack adapter (Bolt, signature checks and all) handles it. What the page shows is what the bot posted.
 */
import { postToApp, SlackRequestSigner, type AppResponse, type EmulatedUser, type SlackEmulator, type StateValues } from '../slack-emulator/index.ts';
import { readDemoState, watchDemoState } from './demo-state.ts';
import type { PlaygroundPerson } from './people.ts';
import { snapshotFor, type PlaygroundSnapshot } from './snapshot.ts';

/** The commands the page's message box understands (the ones the Slack app registers). */
export const PLAYGROUND_COMMANDS = ['/request-access', '/access'] as const;

export class PlaygroundInputError extends Error {}

/** An answer Slack shows from the HTTP response itself (a command's ack with a message): only its author sees it. */
export interface AckReply {
  user: string;
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | undefined;
}

export interface PlaygroundChannels {
  approvals: string;
  audit: string;
  general: string;
}

export interface PlaygroundOptions {
  emulator: SlackEmulator;
  signingSecret: string;
  people: PlaygroundPerson[];
  channels: PlaygroundChannels;
  /** The demo production system's state file, or null when the policy has none. */
  demoStateFile: string | null;
}

export type ClickSource = { kind: 'message'; channel: string; ts: string } | { kind: 'ephemeral'; ts: string } | { kind: 'view'; viewId: string };

export interface ClickAction {
  actionId: string;
  blockId?: string | undefined;
  value?: string | undefined;
  text?: string | undefined;
  style?: 'primary' | 'danger' | undefined;
}

export interface SubmitOutcome {
  /** Inline errors Slack would show under the inputs (response_action: errors), by block id. */
  errors: Record<string, string> | null;
}

export class Playground {
  readonly emulator: SlackEmulator;
  readonly people: PlaygroundPerson[];
  readonly channels: PlaygroundChannels;
  readonly demoStateFile: string | null;
  /** http://127.0.0.1:PORT/slack/events once the bot listens. */
  eventsUrl = '';
  private readonly signer: SlackRequestSigner;
  private readonly acks: AckReply[] = [];
  /** Open modals per user, bottom first. */
  private readonly modals = new Map<string, string[]>();
  private readonly listeners = new Set<() => void>();
  private viewsSeen = 0;
  private seq = 0;
  private readonly stops: (() => void)[] = [];
  private readonly streams = new Set<() => void>();

  constructor(options: PlaygroundOptions) {
    this.emulator = options.emulator;
    this.people = options.people;
    this.channels = options.channels;
    this.demoStateFile = options.demoStateFile;
    this.signer = new SlackRequestSigner({
      signingSecret: options.signingSecret,
      teamId: this.emulator.team.id,
      teamDomain: this.emulator.team.domain,
      appId: this.emulator.bot.appId,
      botUserId: this.emulator.bot.userId,
    });
    this.stops.push(
      this.emulator.onChange(() => {
        this.trackModals();
        this.changed();
      }),
    );
    if (this.demoStateFile) this.stops.push(watchDemoState(this.demoStateFile, () => this.changed()));
  }

  /** Called on every change the page should show (a message, a view, the demo system); returns unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  person(userId: string): EmulatedUser {
    const found = this.people.find((p) => p.user.id === userId);
    if (!found) throw new PlaygroundInputError(`there is no playground user ${JSON.stringify(userId)}`);
    return found.user;
  }

  /** What `userId` sees now: channels, threads, their DMs and private answers, App Home, an open modal, the demo system. */
  snapshot(userId: string): PlaygroundSnapshot {
    this.person(userId);
    return snapshotFor(this, userId, {
      acks: this.acks.filter((a) => a.user === userId),
      modal: this.topModal(userId),
      demo: this.demoStateFile ? readDemoState(this.demoStateFile) : null,
    });
  }

  /** A line typed in the message box: `/request-access …` or `/access …`, sent as Slack sends slash commands. */
  async command(userId: string, channel: string, line: string): Promise<void> {
    const user = this.person(userId);
    const match = /^\s*(\/[a-z-]+)(?:\s+([\s\S]*))?$/.exec(line);
    const command = match?.[1];
    if (!command || !(PLAYGROUND_COMMANDS as readonly string[]).includes(command)) {
      throw new PlaygroundInputError(`type a command: ${PLAYGROUND_COMMANDS.join(' or ')} (e.g. "/request-access demo 1m checking the dashboard", or "/request-access" alone for the form)`);
    }
    const channelName = this.emulator.channels.find((c) => c.id === channel)?.name ?? 'directmessage';
    const id = this.nextId('cmd');
    const request = this.signer.slashCommand({
      command,
      text: (match[2] ?? '').trim(),
      userId: user.id,
      userName: user.name,
      channelId: channel,
      channelName,
      responseUrl: this.emulator.responseUrlFor(id, { channel, user: user.id }),
      triggerId: this.emulator.issueTrigger(user.id),
    });
    this.recordAck(user.id, channel, await this.send(request));
  }

  /** A click on a button (or a pick in a select that dispatches) in a message, a private answer, App Home or a modal. */
  async click(userId: string, source: ClickSource, action: ClickAction, stateValues: StateValues = {}): Promise<void> {
    const user = this.person(userId);
    const actions = [{ actionId: action.actionId, ...(action.blockId ? { blockId: action.blockId } : {}), ...(action.value !== undefined ? { value: action.value } : {}), ...(action.text ? { text: action.text } : {}), ...(action.style ? { style: action.style } : {}) }];
    const triggerId = this.emulator.issueTrigger(user.id);
    if (source.kind === 'view') {
      const view = this.emulator.views.find((v) => v.id === source.viewId);
      if (!view) throw new PlaygroundInputError('that view is gone; reload the page');
      await this.send(this.signer.blockAction({ userId: user.id, userName: user.name, actions, view: view.view, stateValues, triggerId }));
      return;
    }
    const message = source.kind === 'message' ? this.findMessage(source.channel, source.ts) : this.findEphemeral(user.id, source.ts);
    const id = this.nextId('click');
    const request = this.signer.blockAction({
      userId: user.id,
      userName: user.name,
      actions,
      message: { ...message, ...(source.kind === 'ephemeral' ? { isEphemeral: true } : {}) },
      responseUrl: this.emulator.responseUrlFor(id, { channel: message.channel, user: user.id }),
      triggerId,
      stateValues,
    });
    this.recordAck(user.id, message.channel, await this.send(request));
  }

  /** Submit the modal `viewId` with these values; inline errors come back, otherwise the modal closes as in Slack. */
  async submit(userId: string, viewId: string, values: StateValues): Promise<SubmitOutcome> {
    const user = this.person(userId);
    if (!this.modalStack(user.id).includes(viewId)) throw new PlaygroundInputError('that form is not open any more');
    const view = this.emulator.views.find((v) => v.id === viewId);
    if (!view) throw new PlaygroundInputError('that form is gone; reload the page');
    const answer = await this.send(this.signer.viewSubmission({ userId: user.id, userName: user.name, view: view.view, values }));
    const body = isRecord(answer.json) ? answer.json : {};
    if (body.response_action === 'errors' && isRecord(body.errors)) {
      return { errors: Object.fromEntries(Object.entries(body.errors).map(([block, message]) => [block, String(message)])) };
    }
    if (body.response_action === 'clear') this.modals.set(user.id, []);
    else this.closeModal(user.id, viewId);
    this.changed();
    return { errors: null };
  }

  /** The modal's Cancel/close: Slack just drops it (the bot asks for no close notification). */
  closeModal(userId: string, viewId: string): void {
    const stack = this.modalStack(userId);
    const at = stack.indexOf(viewId);
    if (at >= 0) stack.splice(at);
    this.changed();
  }

  /** The App Home tab opened: Slack sends app_home_opened and the bot publishes the view. */
  async openHome(userId: string): Promise<void> {
    const user = this.person(userId);
    await this.send(this.signer.appHomeOpened({ userId: user.id, userName: user.name, channel: this.emulator.imChannel(user.id) }));
  }

  /** Keep track of an open event stream, so stopping can end it (an open stream would hold the server's close). */
  addStream(end: () => void): () => void {
    this.streams.add(end);
    return () => this.streams.delete(end);
  }

  /** End every open event stream (the page reconnects by itself). */
  endStreams(): void {
    for (const end of [...this.streams]) end();
    this.streams.clear();
  }

  close(): void {
    this.endStreams();
    for (const stop of this.stops.splice(0)) stop();
    this.listeners.clear();
  }

  private async send(request: Parameters<typeof postToApp>[1]): Promise<AppResponse> {
    if (!this.eventsUrl) throw new Error('the bot is not listening yet');
    const answer = await postToApp(this.eventsUrl, request);
    if (answer.status >= 400) throw new Error(`the bot answered HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
    return answer;
  }

  private recordAck(user: string, channel: string, answer: AppResponse): void {
    const body = isRecord(answer.json) ? answer.json : null;
    if (!body || (typeof body.text !== 'string' && !Array.isArray(body.blocks))) return;
    this.acks.push({ user, channel, ts: `${(Date.now() / 1000).toFixed(6)}`, text: typeof body.text === 'string' ? body.text : '', blocks: Array.isArray(body.blocks) ? body.blocks : undefined });
    this.changed();
  }

  private findMessage(channel: string, ts: string): { channel: string; ts: string; text: string; blocks?: unknown[]; threadTs?: string } {
    const message = this.emulator.message(channel, ts);
    if (!message) throw new PlaygroundInputError('that message is gone; reload the page');
    return { channel, ts, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}), ...(message.threadTs ? { threadTs: message.threadTs } : {}) };
  }

  private findEphemeral(user: string, ts: string): { channel: string; ts: string; text: string; blocks?: unknown[] } {
    const found = this.emulator.ephemerals.find((e) => e.user === user && e.ts === ts) ?? this.acks.find((a) => a.user === user && a.ts === ts);
    if (!found) throw new PlaygroundInputError('that private message is gone; reload the page');
    return { channel: found.channel ?? this.channels.general, ts, text: found.text, ...(found.blocks ? { blocks: found.blocks } : {}) };
  }

  private modalStack(user: string): string[] {
    let stack = this.modals.get(user);
    if (!stack) this.modals.set(user, (stack = []));
    return stack;
  }

  private topModal(user: string): Record<string, unknown> | null {
    const id = this.modalStack(user).at(-1);
    return (id && this.emulator.views.find((v) => v.id === id)?.view) || null;
  }

  /** Views opened or pushed since the last look go on their user's modal stack. */
  private trackModals(): void {
    const views = this.emulator.views;
    if (views.length < this.viewsSeen) this.viewsSeen = 0; // emulator reset
    for (const view of views.slice(this.viewsSeen)) {
      if (view.via === 'publish' || !view.user) continue;
      const stack = this.modalStack(view.user);
      if (view.via === 'open') stack.length = 0;
      stack.push(view.id);
    }
    this.viewsSeen = views.length;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}-${this.seq}`;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
