/**
 * Slack ack latency: how long Slack waits for the app's HTTP answer (it gives up after 3 s). This process
 * plays Slack — the Web API emulator and the sender of signed requests — and the app runs in a child process,
 * as it would in production. Each request is timed until its HTTP answer (the ack) arrives:
 *   - `/request-access readonly 30m …` (a real filing: identity lookup, core, card and DM follow the ack)
 *   - an Approve click on a pending request (review, grant, card update, DMs follow the ack)
 * for the full accessbot on each store — SQLite (a temporary file) and PostgreSQL (a fresh database per run,
 * dropped afterwards; skipped with a line saying so when no server answers) — and for a bare Bolt app that only
 * acks, at two paces: back-to-back (the next request leaves as soon as the previous ack arrives, competing with
 * that request's after-ack work) and paced (25 ms). Prints both stores side by side with the ratio PG/SQLite.
 * Usage: tsx bench/slack-ack.ts [requests per kind, default 300]     Target: PG ack p99 within 1.5× of SQLite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';
import { postToApp, SlackRequestSigner, startSlackEmulator, type EmulatedUser, type SignedRequest, type SlackEmulator } from '../playground/slack-emulator/index.ts';
import { loadEnv } from '../src/config/env.ts';
import type { Policy } from '../src/domain/policy.ts';
import { silentLogger } from '../src/logging.ts';
import { startAccessbot } from '../src/main.ts';
import type { Provider } from '../src/providers/types.ts';
import { onInterrupt } from './lib/cleanup.ts';
import { BENCH_PG_URL, freshPostgresDatabase, postgresSkipReason, shownUrl } from './lib/postgres.ts';
import { num, printTable, ratio, spread, type Spread } from './lib/stats.ts';

const SECRET = 'bench-signing-secret';
const WARMUP = 20;
const H = 3_600_000;
type Kind = 'accessbot' | 'bare';
type StoreKind = 'sqlite' | 'postgres';
const serving = process.argv[2] === '--serve' ? (process.argv[3] as Kind) : null;
const N = Number(serving ? process.argv[4] : (process.argv[2] ?? 300));

const requesters: EmulatedUser[] = Array.from({ length: N + WARMUP }, (_, i) => ({ id: `U0REQ${i}`, name: `req${i}`, email: `req${i}@example.com` }));
const approver: EmulatedUser = { id: 'U0APPROVER', name: 'approver', email: 'approver@example.com' };

function benchPolicy(): Policy {
  return {
    version: 1,
    hash: 'bench-policy',
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

/**
 * Child process: start the app against the parent's emulator and print its URL. The store is the parent's
 * choice: BENCH_DATABASE_URL (PostgreSQL) or BENCH_SQLITE_PATH, passed on as DATABASE_URL / ACCESSBOT_DB.
 */
async function serve(kind: Kind, apiUrl: string, botToken: string): Promise<void> {
  let url: string;
  let stop: () => Promise<void>;
  if (kind === 'accessbot') {
    const database = process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : { ACCESSBOT_DB: process.env.BENCH_SQLITE_PATH! };
    const env = { PORT: '0', ...database, SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: apiUrl };
    const bot = await startAccessbot(loadEnv(env), { policy: benchPolicy(), providers: new Map([['orders-db', noopProvider]]), env, log: silentLogger() });
    url = `http://127.0.0.1:${bot.port}/slack/events`;
    stop = async () => {
      const histogram = await bot.metrics.ackSeconds.get();
      const value = (kind: string, suffix: string) => histogram.values.find((v) => v.metricName === `accessbot_ack_seconds${suffix}` && v.labels.kind === kind)?.value ?? 0;
      // accessbot_ack_seconds: receipt → ack inside the app, for the parent's table.
      for (const k of ['command', 'action']) process.stdout.write(`INAPP ${k} ${(value(k, '_sum') / Math.max(value(k, '_count'), 1)) * 1000}\n`);
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

interface Child {
  url: string;
  child: ChildProcess;
  done: Promise<void>;
  /** Mean receipt → ack inside the app (ms) per kind ('command', 'action'), filled in when the child stops. */
  inApp: Map<string, number>;
}

async function startChild(kind: Kind, emu: SlackEmulator, storeEnv: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', kind, String(N)], {
    env: { ...process.env, BENCH_API_URL: emu.url, BENCH_BOT_TOKEN: emu.botToken, ...storeEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // 'close', not 'exit': the INAPP lines written while stopping must have been read.
  const done = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const inApp = new Map<string, number>();
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const ready = /^READY (\S+)$/.exec(line);
        if (ready) resolve(ready[1]!);
        const metric = /^INAPP (\w+) (\S+)$/.exec(line);
        if (metric) inApp.set(metric[1]!, Number(metric[2]));
        else if (!ready && line.trim()) process.stdout.write(`${line}\n`);
      }
    });
    child.once('exit', (code) => reject(new Error(`app process exited (${code}) before it was ready`)));
  });
  return { url, child, done, inApp };
}

async function timed(url: string, request: SignedRequest): Promise<number> {
  const started = performance.now();
  const response = await postToApp(url, request);
  const took = performance.now() - started;
  if (response.status !== 200) throw new Error(`unexpected HTTP ${response.status}: ${response.text}`);
  return took;
}

interface Measured {
  commands: Spread;
  clicks: Spread;
  inApp: Map<string, number>;
}

/** One app process on one store, N commands then N clicks (after the warm-up), at one pace. */
async function measure(kind: Kind, store: StoreKind | null, gapMs: number): Promise<Measured> {
  const emu = await startSlackEmulator({
    users: [...requesters, approver],
    channels: [{ id: 'C0APPROVALS', name: 'approvals' }, { id: 'C0AUDIT', name: 'audit' }, { id: 'C0GENERAL', name: 'general' }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'accessbot-bench-'));
  const removeDir = onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  const database = store === 'postgres' ? await freshPostgresDatabase() : null;
  const dropDatabase = onInterrupt(async () => database?.drop());
  let started: Child | null = null;
  const stopChild = onInterrupt(async () => {
    if (!started) return;
    started.child.kill('SIGTERM');
    await started.done;
  });
  const commands: number[] = [];
  const clicks: number[] = [];
  try {
    started = await startChild(kind, emu, database ? { BENCH_DATABASE_URL: database.url } : { BENCH_SQLITE_PATH: join(dir, 'bench.db') });
    const { url } = started;
    const signer = new SlackRequestSigner({ signingSecret: SECRET, teamId: emu.team.id, appId: emu.bot.appId });
    const pause = () => (gapMs ? new Promise((resolve) => setTimeout(resolve, gapMs)) : Promise.resolve());
    for (let i = 0; i < N + WARMUP; i++) {
      const user = requesters[i]!;
      const responseUrl = emu.responseUrlFor(`c${i}`, { channel: 'C0GENERAL', user: user.id });
      const took = await timed(url, signer.slashCommand({ command: '/request-access', text: `readonly 30m bench run ${i}`, userId: user.id, responseUrl }));
      if (i >= WARMUP) commands.push(took);
      await pause();
    }
    // Every request must exist before it is approved.
    if (kind === 'accessbot') await emu.waitFor(() => (emu.messages('C0APPROVALS').length >= N + WARMUP ? true : null), 120_000);
    for (let i = 0; i < N + WARMUP; i++) {
      const responseUrl = emu.responseUrlFor(`a${i}`, { channel: 'C0APPROVALS', user: approver.id });
      const click = signer.blockAction({ userId: approver.id, actions: [{ actionId: 'request_approve', value: String(i + 1) }], message: { channel: 'C0APPROVALS', ts: '1.000001' }, responseUrl });
      const took = await timed(url, click);
      if (i >= WARMUP) clicks.push(took);
      await pause();
    }
    if (kind === 'accessbot') await emu.waitFor(() => (emu.messages().filter((m) => m.text.includes('is active until')).length >= N + WARMUP ? true : null), 120_000);
  } finally {
    await stopChild();
    await emu.close();
    await dropDatabase();
    await removeDir();
  }
  return { commands: spread(commands), clicks: spread(clicks), inApp: started.inApp };
}

if (serving) {
  await serve(serving, process.env.BENCH_API_URL!, process.env.BENCH_BOT_TOKEN!);
} else {
  const pgSkip = await postgresSkipReason();
  console.log(`Slack ack latency over loopback HTTP, app in its own process; ${N} sequential requests per kind after ${WARMUP} warm-up. Slack's limit: 3000 ms.`);
  console.log(pgSkip ?? `PostgreSQL: ${shownUrl(BENCH_PG_URL)}, a fresh database per run.`);
  const rows: string[][] = [];
  const bareRows: string[][] = [];
  const ms = (v: number | undefined) => num(v, 2);
  const paces = [['back-to-back', 0], ['paced 25 ms', 25]] as const;
  for (const [pace, gapMs] of paces) {
    const bare = await measure('bare', null, gapMs);
    const sqlite = await measure('accessbot', 'sqlite', gapMs);
    const postgres = pgSkip ? null : await measure('accessbot', 'postgres', gapMs);
    for (const [what, pick, inApp] of [
      ['/request-access', (m: Measured) => m.commands, 'command'],
      ['Approve click', (m: Measured) => m.clicks, 'action'],
    ] as const) {
      const a = pick(sqlite);
      const b = postgres ? pick(postgres) : null;
      rows.push([`${pace}, ${what}`, ms(a.p50), ms(a.p99), ms(a.max), ms(b?.p50), ms(b?.p99), ms(b?.max), ratio(a.p50, b?.p50), ratio(a.p99, b?.p99)]);
      rows.push([`  in the app (receipt → ack), mean`, ms(sqlite.inApp.get(inApp)), '', '', ms(postgres?.inApp.get(inApp)), '', '', ratio(sqlite.inApp.get(inApp), postgres?.inApp.get(inApp)), '']);
      bareRows.push([`${pace}, ${what}`, ms(pick(bare).p50), ms(pick(bare).p99), ms(pick(bare).max)]);
    }
  }
  console.log('Ack latency, ms (sender → HTTP answer):');
  printTable(['', 'SQLite p50', 'p99', 'max', 'PostgreSQL p50', 'p99', 'max', 'PG/SQLite p50', 'p99'], rows);
  console.log('Target: PostgreSQL ack p99 within 1.5× of SQLite (the p99 ratio column).');
  console.log('Reference, bare Bolt app that only acks (no store), ms:');
  printTable(['', 'p50', 'p99', 'max'], bareRows);
}
