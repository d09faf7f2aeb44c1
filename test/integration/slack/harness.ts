/**
 * Runs the whole of accessbot (startAccessbot: core, scheduler, outbox, the real Bolt app on a loopback port)
 * against the Slack emulator, and plays the Slack side: signed slash commands, button clicks, form submissions
 * and App Home events, exactly as Slack sends them. Assertions read what the emulator recorded — what people see.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { postToApp, SlackRequestSigner, startSlackEmulator, type AppResponse, type EmulatedMessage, type EmulatedUser, type SignOptions, type SlackEmulator, type StateValues } from '../../../playground/slack-emulator/index.ts';
import { loadEnv } from '../../../src/config/env.ts';
import { ManualClock } from '../../../src/domain/clock.ts';
import type { Policy } from '../../../src/domain/policy.ts';
import { createLogger } from '../../../src/logging.ts';
import { startAccessbot, type RunningAccessbot } from '../../../src/main.ts';
import type { RequestRecord, ReviewRecord, StoreReads } from '../../../db/store/port.ts';
import { role, testPolicy } from '../../support/policy-fixture.ts';
import { RecordingProvider } from '../../support/recording-provider.ts';
import { ALICE, APPROVALS_CHANNEL, AUDIT_CHANNEL, BOB, CAROL } from '../../support/slack-workspace.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

export const SIGNING_SECRET = 'slack-adapter-test-signing-secret';
export const SECRET_KEY_HEX = 'ab'.repeat(32);
export const MALLORY: EmulatedUser = { id: 'U0MALLORY', name: 'mallory', email: 'mallory@example.com', realName: 'Mallory Mole' };
/** No email in Slack: the policy names this person by Slack id. */
export const NOEMAIL: EmulatedUser = { id: 'U0NOMAIL', name: 'nomail' };
export const GONE: EmulatedUser = { id: 'U0GONE', name: 'gone', email: 'gone@example.com', deleted: true };
export const ROBOT: EmulatedUser = { id: 'U0ROBOT', name: 'robot', email: 'robot@example.com', isBot: true };
export { ALICE, BOB, CAROL, APPROVALS_CHANNEL, AUDIT_CHANNEL };

const M = 60_000;

/** alice, bob, carol and the Slack-id-only user may request; alice, bob and carol approve (never their own). writer needs two approvals. */
export function slackTestPolicy(overrides: Partial<Policy> = {}): Policy {
  const requesters = new Set(['alice@example.com', 'bob@example.com', 'carol@example.com', 'gone@example.com', 'robot@example.com', `slack:${NOEMAIL.id}`]);
  const approvers = new Set(['alice@example.com', 'bob@example.com', 'carol@example.com', 'robot@example.com']);
  const base = testPolicy([
    role('readonly', { requesters, approvers, autoApprove: { maxDurationMs: 15 * M }, description: 'Read-only SQL on the orders database' }),
    role('writer', { requesters, approvers, approvalsRequired: 2, requireTicket: '^INC-[0-9]+$' }),
    role('breakglass', { requesters, approvers, breakGlass: true }),
  ]);
  return { ...base, ...overrides };
}

export interface HarnessOptions {
  policy?: Policy;
  users?: EmulatedUser[];
}

export class SlackHarness {
  readonly logs: string[] = [];
  private constructor(
    readonly emu: SlackEmulator,
    readonly bot: RunningAccessbot,
    readonly signer: SlackRequestSigner,
    readonly provider: RecordingProvider,
    readonly clock: ManualClock,
    logs: string[],
  ) {
    this.logs = logs;
  }

  static async start(options: HarnessOptions = {}): Promise<SlackHarness> {
    const emu = await startSlackEmulator({
      users: options.users ?? [ALICE, BOB, CAROL, MALLORY, NOEMAIL, GONE, ROBOT],
      channels: [APPROVALS_CHANNEL, AUDIT_CHANNEL, { id: 'C0GENERAL', name: 'general' }],
    });
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString('utf8'));
        callback();
      },
    });
    const env = {
      PORT: '0',
      ACCESSBOT_DB: join(mkdtempSync(join(tmpdir(), 'accessbot-slack-')), 'accessbot.db'),
      SLACK_BOT_TOKEN: emu.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: emu.url,
      ACCESSBOT_SECRET_KEY: SECRET_KEY_HEX,
      LOG_LEVEL: 'debug',
    };
    const provider = new RecordingProvider();
    const clock = new ManualClock(Date.now());
    const bot = await startAccessbot(loadEnv(env), {
      policy: options.policy ?? slackTestPolicy(),
      providers: new Map([['orders-db', provider]]),
      env,
      clock,
      log: createLogger('debug', sink),
      // Cron sweeps stay out of the way; tests move the clock and call scheduler.runOnce().
      sweepEvery: '0 0 0 1 1 *',
    });
    const signer = new SlackRequestSigner({ signingSecret: SIGNING_SECRET, teamId: emu.team.id, appId: emu.bot.appId, botUserId: emu.bot.userId });
    return new SlackHarness(emu, bot, signer, provider, clock, logs);
  }

  get eventsUrl(): string {
    return `http://127.0.0.1:${this.bot.port}/slack/events`;
  }

  private seq = 0;

  /** A slash command from `user` in #general; its response_url and trigger are the emulator's. */
  async command(user: EmulatedUser, command: string, text: string, sign: SignOptions = {}): Promise<AppResponse> {
    const id = `cmd-${++this.seq}`;
    const request = this.signer.slashCommand(
      {
        command,
        text,
        userId: user.id,
        userName: user.name,
        channelId: 'C0GENERAL',
        responseUrl: this.emu.responseUrlFor(id, { channel: 'C0GENERAL', user: user.id }),
        triggerId: this.emu.issueTrigger(user.id),
      },
      sign,
    );
    return postToApp(this.eventsUrl, request);
  }

  /** A click on a button of a message the bot posted (card, DM or ephemeral). */
  async clickOnMessage(user: EmulatedUser, actionId: string, value: string, message: { channel: string; ts: string }, sign: SignOptions = {}): Promise<AppResponse> {
    const id = `click-${++this.seq}`;
    const request = this.signer.blockAction(
      {
        userId: user.id,
        userName: user.name,
        actions: [{ actionId, value }],
        message: { channel: message.channel, ts: message.ts },
        responseUrl: this.emu.responseUrlFor(id, { channel: message.channel, user: user.id }),
        triggerId: this.emu.issueTrigger(user.id),
      },
      sign,
    );
    return postToApp(this.eventsUrl, request);
  }

  /** A click on a button in a view (App Home). */
  async clickInView(user: EmulatedUser, actionId: string, value: string, view: Record<string, unknown>): Promise<AppResponse> {
    const request = this.signer.blockAction({ userId: user.id, userName: user.name, actions: [{ actionId, value }], view, triggerId: this.emu.issueTrigger(user.id) });
    return postToApp(this.eventsUrl, request);
  }

  /** Submit a modal the bot opened (as the emulator stores it) with these values. */
  async submit(user: EmulatedUser, view: Record<string, unknown>, values: StateValues): Promise<AppResponse> {
    return postToApp(this.eventsUrl, this.signer.viewSubmission({ userId: user.id, userName: user.name, view, values }));
  }

  async openHome(user: EmulatedUser, sign: SignOptions = {}): Promise<AppResponse> {
    return postToApp(this.eventsUrl, this.signer.appHomeOpened({ userId: user.id }, sign));
  }

  /** Top-level messages (not thread replies) in the approvals channel. */
  cards(): EmulatedMessage[] {
    return this.emu.messages(APPROVALS_CHANNEL.id).filter((m) => m.threadTs === null);
  }

  async card(index = 0): Promise<EmulatedMessage> {
    return this.emu.waitFor(() => this.cards()[index]);
  }

  dms(user: EmulatedUser): EmulatedMessage[] {
    return this.emu.messages(user.id);
  }

  ephemeralsFor(user: EmulatedUser) {
    return this.emu.ephemerals.filter((e) => e.user === user.id);
  }

  /** The next private answer to `user` after `count` earlier ones. */
  async ephemeral(user: EmulatedUser, count = 0): Promise<string> {
    const answer = await this.emu.waitFor(() => this.ephemeralsFor(user)[count]);
    return answer.text + (answer.blocks ? `\n${JSON.stringify(answer.blocks)}` : '');
  }

  /** Let every piece of after-commit work (grants, chat deliveries, home refreshes) finish. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await this.bot.worker.idle();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    await this.bot.stop();
    await this.emu.close();
  }
}

/**
 * Every request on record, in id order. Ids are handed out 1, 2, 3… without gaps on the embedded store (no
 * request is ever deleted), so reading from 1 until the first missing id finds them all.
 */
export async function filedRequests(store: StoreReads): Promise<RequestRecord[]> {
  const found: RequestRecord[] = [];
  for (let id = 1; ; id++) {
    const request = await store.getRequest(asRequestId(id));
    if (!request) return found;
    found.push(request);
  }
}

/** Every review on record, of every request. */
export async function allReviews(store: StoreReads): Promise<ReviewRecord[]> {
  const found: ReviewRecord[] = [];
  for (const request of await filedRequests(store)) found.push(...(await store.reviewsOf(request.id)));
  return found;
}

/** Everything visible in a message: its text and all text inside its blocks. */
export function visible(message: { text: string; blocks?: unknown[] | undefined } | undefined): string {
  if (!message) return '';
  return `${message.text}\n${JSON.stringify(message.blocks ?? [])}`;
}

/** Action ids of the buttons on a message or view. */
export function buttons(blocks: unknown[] | undefined): string[] {
  const found: string[] = [];
  for (const block of blocks ?? []) {
    const b = block as { type?: string; elements?: { type?: string; action_id?: string }[]; accessory?: { type?: string; action_id?: string } };
    for (const element of [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]) {
      if (element.type === 'button' && element.action_id) found.push(element.action_id);
    }
  }
  return found;
}
