/**
 * Slack ack latency: how long Slack waits for the app's HTTP answer (it gives up after 3 s). This process
 * plays Slack — the Web API emulator and the sender of signed requests — and the app runs in a child process,
 * as it would in production. Each request is timed until its HTTP answer (the ack) arrives:
 *   - `/request-access readonly 30m …` (a real filing: identity lookup, core, card and DM follow the ack)
 *   - an Approve click on a pending request (review, grant, card update, DMs follow the ack)
 * for the full accessbot and for a bare Bolt app that only acks, at two paces: back-to-back (the next request
 * leaves as soon as the previous ack arrives, competing with that request's after-ack work) and paced (25 ms).
 * Usage: tsx bench/slack-ack.ts [requests per kind, default 300]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';
import { postToApp, SlackRequestSigner, startSlackEmulator, type EmulatedUser, type SignedRequest, type SlackEmulator } from '../adapters/slack/emulator/index.ts';
import { loadEnv } from '../src/config/env.ts';
import type { Policy } from '../src/domain/policy.ts';
import { silentLogger } from '../src/logging.ts';
import { startAccessbot } from '../src/main.ts';
import type { Provider } from '../src/providers/types.ts';

const SECRET = 'bench-signing-secret';
const WARMUP = 20;
const H = 3_600_000;
const serving = process.argv[2] === '--serve' ? (process.argv[3] as 'accessbot' | 'bare') : null;
const N = Number(serving ? process.argv[4] : (process.argv[2] ?? 300));

const requesters: EmulatedUser[] = Array.from({ length: N + WARMUP }, (_, i) => ({ id: `U0REQ${i}`, name: `req${i}`, email: `req${i}@example.com` }));
const approver: EmulatedUser = { id: 'U0APPROVER', name: 'approver', email: 'approver@example.com' };

function benchPolicy(): Policy {
  return {
    version: 1,
    timezone: 'UTC',
    minDurationMs: 60_000,
    channels: { approvals: { slack: 'C0APPROVALS' }, audit: { slack: 'C0AUDIT' } },
    groups: new Map(),
    resources: { 'orders-db': { name: 'orders-db', provider: 'noop', settings: {} } },
    roles: {
      readonly: {
        name: 'readonly',
        resource: 'orders-db',
        grant: {},
        requesters: new Set(requesters.map((u) => u.email!)),
        approvers: new Set([approver.email!]),
        approvalsRequired: 1,
        defaultDurationMs: H,
        maxDurationMs: 4 * H,
        requestTtlMs: H,
        requireTicket: null,
        breakGlass: false,
      },
    },
  };
}

/** Grants nothing, at once: the bench times the Slack side, not a target system. */
const noopProvider: Provider = {
  kind: 'noop',
  resource: 'orders-db',
  grant: async () => ({}),
  revoke: async () => ({}),
  extend: async () => ({}),
  verify: async () => ({ grantIds: [] }),
};

/** Child process: start the app against the parent's emulator and print its URL. */
async function serve(kind: 'accessbot' | 'bare', apiUrl: string, botToken: string): Promise<void> {
  let url: string;
  let stop: () => Promise<void>;
  if (kind === 'accessbot') {
    const env = { PORT: '0', ACCESSBOT_DB: join(mkdtempSync(join(tmpdir(), 'accessbot-bench-')), 'bench.db'), SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: apiUrl };
    const bot = await startAccessbot(loadEnv(env), { policy: benchPolicy(), providers: new Map([['orders-db', noopProvider]]), env, log: silentLogger() });
    url = `http://127.0.0.1:${bot.port}/slack/events`;
    stop = async () => {
      const histogram = await bot.metrics.ackSeconds.get();
      const value = (kind: string, suffix: string) => histogram.values.find((v) => v.metricName === `accessbot_ack_seconds${suffix}` && v.labels.kind === kind)?.value ?? 0;
      for (const k of ['command', 'action']) {
        process.stdout.write(`  accessbot_ack_seconds (receipt → ack, in the app), ${k}: mean ${((value(k, '_sum') / Math.max(value(k, '_count'), 1)) * 1000).toFixed(2)} ms over ${value(k, '_count')}\n`);
      }
      await bot.stop();
    };
  } else {
    const receiver = new ExpressReceiver({ signingSecret: SECRET, processBeforeResponse: false, logLevel: LogLevel.ERROR });
    const app = new App({ receiver, token: botToken, botId: 'B0ACCESSBOT', botUserId: 'U0ACCESSBOT', clientOptions: { slackApiUrl: apiUrl }, logLevel: LogLevel.ERROR });
    app.command('/request-access', async ({ ack }) => ack());
    app.action('request_approve', async ({ ack }) => ack());
    const server = createServer(receiver.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    stop = () => new Promise((resolve) => server.close(() => resolve()));
  }
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));
  process.stdout.write(`READY ${url}\n`);
}

async function startChild(kind: 'accessbot' | 'bare', emu: SlackEmulator): Promise<{ url: string; child: ChildProcess; done: Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', kind, String(N)], {
    env: { ...process.env, BENCH_API_URL: emu.url, BENCH_BOT_TOKEN: emu.botToken },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const ready = /READY (\S+)\n/.exec(buffer);
      if (ready) resolve(ready[1]!);
      for (const line of buffer.split('\n').filter((l) => l.startsWith('  '))) process.stdout.write(`${line}\n`);
      buffer = buffer.includes('\n') ? buffer.slice(buffer.lastIndexOf('\n') + 1) : buffer;
    });
    child.once('exit', (code) => reject(new Error(`app process exited (${code}) before it was ready`)));
  });
  return { url, child, done };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(2)} ms`.padStart(10);
  return `${label.padEnd(36)} p50 ${f(percentile(sorted, 50))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted.at(-1)!)}`;
}

async function timed(url: string, request: SignedRequest): Promise<number> {
  const started = performance.now();
  const response = await postToApp(url, request);
  const took = performance.now() - started;
  if (response.status !== 200) throw new Error(`unexpected HTTP ${response.status}: ${response.text}`);
  return took;
}

async function measure(kind: 'accessbot' | 'bare', gapMs: number): Promise<void> {
  const emu = await startSlackEmulator({
    users: [...requesters, approver],
    channels: [{ id: 'C0APPROVALS', name: 'approvals' }, { id: 'C0AUDIT', name: 'audit' }, { id: 'C0GENERAL', name: 'general' }],
  });
  const { url, child, done } = await startChild(kind, emu);
  const signer = new SlackRequestSigner({ signingSecret: SECRET, teamId: emu.team.id, appId: emu.bot.appId });
  const pause = () => (gapMs ? new Promise((resolve) => setTimeout(resolve, gapMs)) : Promise.resolve());
  const commands: number[] = [];
  const clicks: number[] = [];
  try {
    for (let i = 0; i < N + WARMUP; i++) {
      const user = requesters[i]!;
      const responseUrl = emu.responseUrlFor(`c${i}`, { channel: 'C0GENERAL', user: user.id });
      const took = await timed(url, signer.slashCommand({ command: '/request-access', text: `readonly 30m bench run ${i}`, userId: user.id, responseUrl }));
      if (i >= WARMUP) commands.push(took);
      await pause();
    }
    // Every request must exist before it is approved.
    if (kind === 'accessbot') await emu.waitFor(() => (emu.messages('C0APPROVALS').length >= N + WARMUP ? true : null), 60_000);
    for (let i = 0; i < N + WARMUP; i++) {
      const responseUrl = emu.responseUrlFor(`a${i}`, { channel: 'C0APPROVALS', user: approver.id });
      const click = signer.blockAction({ userId: approver.id, actions: [{ actionId: 'request_approve', value: String(i + 1) }], message: { channel: 'C0APPROVALS', ts: '1.000001' }, responseUrl });
      const took = await timed(url, click);
      if (i >= WARMUP) clicks.push(took);
      await pause();
    }
    if (kind === 'accessbot') await emu.waitFor(() => (emu.messages().filter((m) => m.text.includes('is active until')).length >= N + WARMUP ? true : null), 60_000);
  } finally {
    child.kill('SIGTERM');
    await done;
    await emu.close();
  }
  const name = kind === 'bare' ? 'bare Bolt (ack only)' : 'accessbot';
  console.log(summary(`${name}: /request-access`, commands));
  console.log(summary(`${name}: Approve click`, clicks));
}

if (serving) {
  await serve(serving, process.env.BENCH_API_URL!, process.env.BENCH_BOT_TOKEN!);
} else {
  console.log(`Slack ack latency over loopback HTTP, app in its own process; ${N} sequential requests per kind after ${WARMUP} warm-up. Slack's limit: 3000 ms.`);
  for (const [pace, gapMs] of [['back-to-back', 0], ['paced, 25 ms apart', 25]] as const) {
    console.log(`-- ${pace}`);
    await measure('bare', gapMs);
    await measure('accessbot', gapMs);
  }
}
