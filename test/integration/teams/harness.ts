/**
 * Runs the whole of accessbot (startAccessbot: core, scheduler, outbox, the real botbuilder CloudAdapter on a
 * loopback port) with Teams on, and plays Teams: activities posted to POST /api/messages whose serviceUrl is a
 * fake Bot Connector (test/fakes/bot-connector.ts), exactly as Teams sends them — installs, messages in a
 * personal chat, Action.Execute invokes. Assertions read what the connector recorded: what people see.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadEnv } from '../../../src/config/env.ts';
import { ManualClock } from '../../../src/domain/clock.ts';
import type { Policy } from '../../../src/domain/policy.ts';
import { createLogger } from '../../../src/logging.ts';
import { startAccessbot, type RunningAccessbot, type StartOptions } from '../../../src/main.ts';
import { FakeBotConnector, type StoredMessage, type TeamsMember } from '../../fakes/bot-connector.ts';
import { role, testPolicy } from '../../support/policy-fixture.ts';
import { RecordingProvider } from '../../support/recording-provider.ts';

export const TENANT = 'tenant-home';
export const APPROVALS = '19:approvals@thread.tacv2';
export const AUDIT = '19:audit@thread.tacv2';
export const BOT = { id: '28:accessbot-app', name: 'accessbot' };

const member = (name: string, extra: Partial<TeamsMember> = {}): TeamsMember => ({
  id: `29:${name}`,
  name: `${name[0]!.toUpperCase()}${name.slice(1)}`,
  aadObjectId: `00000000-0000-0000-0000-${name.padStart(12, '0').slice(-12)}`,
  email: `${name}@example.com`,
  userPrincipalName: `${name}@example.com`,
  tenantId: TENANT,
  userRole: 'user',
  ...extra,
});

export const ALICE = member('alice');
export const BOB = member('bob');
export const CAROL = member('carol');
export const DAVE = member('dave');
export const MALLORY = member('mallory');
/** A guest from another tenant whose profile claims bob's address: matches by id only. */
export const GUEST = member('guest', { email: 'bob@example.com', userPrincipalName: 'bob_example.com#EXT#@home.onmicrosoft.com', tenantId: 'tenant-other', userRole: 'guest' });
/** In the team but without accessbot installed for themselves. */
export const ERIN = member('erin');

const M = 60_000;

/** alice, bob, carol, dave and erin request; bob, carol and dave approve (never their own). writer needs two approvals. */
export function teamsTestPolicy(overrides: Partial<Policy> = {}): Policy {
  const requesters = new Set(['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com', 'erin@example.com', `teams:${GUEST.aadObjectId}`]);
  const approvers = new Set(['bob@example.com', 'carol@example.com', 'dave@example.com']);
  const base = testPolicy([
    role('readonly', { requesters, approvers, autoApprove: { maxDurationMs: 15 * M }, description: 'Read-only SQL on the orders database' }),
    role('writer', { requesters, approvers, approvalsRequired: 2, requireTicket: '^INC-[0-9]+$' }),
  ]);
  return { ...base, channels: { approvals: { teams: APPROVALS }, audit: { teams: AUDIT } }, ...overrides };
}

export interface TeamsHarnessOptions {
  policy?: Policy;
  /** Extra environment (e.g. a Slack setup next to Teams). */
  env?: Record<string, string>;
  /** Reuse this database file (a restart). */
  dbPath?: string;
  connector?: FakeBotConnector;
  clock?: ManualClock;
  provider?: RecordingProvider;
  startOptions?: Partial<StartOptions>;
}

export interface InvokeAnswer {
  status: number;
  body: { statusCode?: number; type?: string; value?: unknown } | null;
}

export class TeamsHarness {
  readonly logs: string[];
  private seq = 0;

  private constructor(
    readonly connector: FakeBotConnector,
    readonly bot: RunningAccessbot,
    readonly provider: RecordingProvider,
    readonly clock: ManualClock,
    readonly dbPath: string,
    logs: string[],
  ) {
    this.logs = logs;
  }

  static async start(options: TeamsHarnessOptions = {}): Promise<TeamsHarness> {
    const connector = options.connector ?? (await FakeBotConnector.start());
    for (const m of [ALICE, BOB, CAROL, DAVE, MALLORY, GUEST]) connector.addMember(m);
    connector.addMember(ERIN, { appInstalled: false });
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString('utf8'));
        callback();
      },
    });
    const dbPath = options.dbPath ?? join(mkdtempSync(join(tmpdir(), 'accessbot-teams-')), 'accessbot.db');
    const env = { PORT: '0', ACCESSBOT_DB: dbPath, TEAMS_EMULATOR: '1', ACCESSBOT_SECRET_KEY: 'cd'.repeat(32), LOG_LEVEL: 'debug', ...options.env };
    const provider = options.provider ?? new RecordingProvider();
    const clock = options.clock ?? new ManualClock(Date.now());
    const bot = await startAccessbot(loadEnv(env), {
      policy: options.policy ?? teamsTestPolicy(),
      providers: new Map([['orders-db', provider]]),
      env,
      clock,
      log: createLogger('debug', sink),
      sweepEvery: '0 0 0 1 1 *',
      ...options.startOptions,
    });
    return new TeamsHarness(connector, bot, provider, clock, dbPath, logs);
  }

  get messagesUrl(): string {
    return `http://127.0.0.1:${this.bot.port}/api/messages`;
  }

  /** POST an activity (or any body) to /api/messages. */
  async post(body: unknown, headers: Record<string, string> = {}): Promise<InvokeAnswer> {
    const response = await fetch(this.messagesUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await response.text();
    let parsed: InvokeAnswer['body'] = null;
    try {
      parsed = text ? (JSON.parse(text) as InvokeAnswer['body']) : null;
    } catch {
      parsed = { value: text };
    }
    return { status: response.status, body: parsed };
  }

  /** The personal chat between accessbot and a member. */
  static personal(user: TeamsMember): string {
    return `a:personal-${user.aadObjectId}`;
  }

  base(user: TeamsMember, conversation: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: `act-${++this.seq}`,
      channelId: 'msteams',
      serviceUrl: this.connector.url,
      timestamp: new Date().toISOString(),
      from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
      recipient: BOT,
      conversation: { tenantId: TENANT, ...conversation },
      channelData: { tenant: { id: TENANT } },
      ...extra,
    };
  }

  /** accessbot added to the team of the approvals channel (Teams tells the bot in that channel). */
  installInTeam(by: TeamsMember = BOB, channel = APPROVALS): Promise<InvokeAnswer> {
    return this.post(
      this.base(by, { id: channel, conversationType: 'channel', isGroup: true }, {
        type: 'installationUpdate',
        action: 'add',
        channelData: { tenant: { id: TENANT }, team: { id: channel, name: 'Access' }, channel: { id: channel, name: 'approvals' } },
      }),
    );
  }

  /** accessbot added by a person for themselves: their personal chat. */
  installPersonal(user: TeamsMember): Promise<InvokeAnswer> {
    return this.post(this.base(user, { id: TeamsHarness.personal(user), conversationType: 'personal' }, { type: 'installationUpdate', action: 'add' }));
  }

  /** accessbot removed by a person from their own apps: its personal chat is gone. */
  uninstallPersonal(user: TeamsMember): Promise<InvokeAnswer> {
    return this.post(this.base(user, { id: TeamsHarness.personal(user), conversationType: 'personal' }, { type: 'installationUpdate', action: 'remove' }));
  }

  /** A message typed to accessbot in the person's personal chat. */
  say(user: TeamsMember, text: string, id?: string): Promise<InvokeAnswer> {
    return this.post(this.base(user, { id: TeamsHarness.personal(user), conversationType: 'personal' }, { type: 'message', text, textFormat: 'plain', ...(id ? { id } : {}) }));
  }

  /** A click on an Action.Execute button (or a form submit, with the inputs merged into data). */
  execute(user: TeamsMember, verb: string, data: Record<string, unknown>, where: { conversationId: string; messageId: string }, id?: string): Promise<InvokeAnswer> {
    const conversation = where.conversationId.startsWith('19:') ? { id: `${where.conversationId};messageid=${where.messageId}`, conversationType: 'channel', isGroup: true } : { id: where.conversationId, conversationType: 'personal' };
    return this.post(
      this.base(user, conversation, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId: where.messageId,
        value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
        ...(id ? { id } : {}),
      }),
    );
  }

  /** Click a button of a message by its title (its verb and data as the card carries them). */
  click(user: TeamsMember, message: StoredMessage, title: string, inputs: Record<string, unknown> = {}, id?: string): Promise<InvokeAnswer> {
    const action = findAction(cardOf(message), title);
    if (!action) throw new Error(`no button "${title}" on ${JSON.stringify(cardOf(message)).slice(0, 400)}`);
    return this.execute(user, action.verb, { ...action.data, ...inputs }, { conversationId: message.conversationId, messageId: message.id }, id);
  }

  /** Top-level cards in the approvals channel. */
  cards(): StoredMessage[] {
    return this.connector.topLevel(APPROVALS);
  }

  async card(index = 0): Promise<StoredMessage> {
    return this.connector.waitFor(() => this.cards()[index]);
  }

  /** Everything accessbot posted in a person's personal chat, oldest first. */
  personalMessages(user: TeamsMember): StoredMessage[] {
    return this.connector.inConversation(TeamsHarness.personal(user));
  }

  /** Let every piece of after-commit work (grants, chat deliveries) finish. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await this.bot.worker.idle();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(options: { keepConnector?: boolean } = {}): Promise<void> {
    await this.bot.stop();
    if (!options.keepConnector) await this.connector.close();
  }
}

/** The Adaptive Card a message carries, or null for a text message. */
export function cardOf(message: StoredMessage | { activity: Record<string, unknown> }): Record<string, unknown> | null {
  const attachments = message.activity.attachments as { contentType?: string; content?: Record<string, unknown> }[] | undefined;
  return attachments?.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content ?? null;
}

/** Every Action.Execute in a card (body action sets, card actions), in order. */
export function actionsOf(card: unknown): { title: string; verb: string; data: Record<string, unknown> }[] {
  const found: { title: string; verb: string; data: Record<string, unknown> }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (n.type === 'Action.Execute' && typeof n.title === 'string' && typeof n.verb === 'string') found.push({ title: n.title, verb: n.verb, data: (n.data as Record<string, unknown>) ?? {} });
    for (const [key, value] of Object.entries(n)) if (key !== 'refresh') walk(value);
  };
  walk(card);
  return found;
}

export function findAction(card: unknown, title: string) {
  return actionsOf(card).find((a) => a.title === title);
}

/** All the text a person can read in a message or card. */
export function visible(message: StoredMessage | { activity: Record<string, unknown> } | Record<string, unknown> | null | undefined): string {
  if (!message) return '';
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'text' || key === 'title' || key === 'value' || key === 'summary' || key === 'label') && typeof value === 'string') texts.push(value);
      else walk(value);
    }
  };
  walk('activity' in message ? message.activity : message);
  return texts.join('\n');
}
