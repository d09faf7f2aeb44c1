/**
 * Slack ack latency: how long Slack waits for the app's HTTP answer (it gives up after 3 s), at 1, 20 and 100
 * concurrent senders. This process plays Slack — the Web API emulator, and on a worker thread of its own the
 * senders of signed requests — and the app runs in a child process, as in production. Each request is timed
 * until its HTTP answer (the ack):
 *   - `/request-access readonly 30m …` (a real filing: identity lookup, core, card and DM follow the ack)
 *   - an Approve click on a pending request (review, grant, card update, DMs follow the ack)
 * for the full accessbot on SQLite (a temporary file) and PostgreSQL (a fresh database, dropped afterwards;
 * skipped with a line saying so when no server answers), and for a bare Bolt app that only acks (the floor).
 * Each concurrency level starts on an idle app: the previous level's cards and grants are done first. The approver
 * clicks Approve on the cards a round actually posted (the request id and message ts from each card), as Slack
 * would send it, once all of them are posted; a wait that stops moving gives up after STALL_MS and the notes name
 * what is missing.
 * The ratio column is accessbot p99 / bare Bolt p99 at the same concurrency. Prints; never asserts.
 * BENCH_CPU_PROF=DIR writes a CPU profile of each app process there; BENCH_DEBUG=DIR writes each app's log (debug
 * level) there, keeps the SQLite file, and prints each unsettled round's missing requests with their DMs and the
 * answer to their click.
 * Target: ack p99 ≤ 1.5× the bare Bolt app at every concurrency.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';
import { SlackRequestSigner, startSlackEmulator, type EmulatedUser, type SignedRequest, type SlackEmulator } from '../playground/slack-emulator/index.ts';
import { loadEnv } from '../src/config/env.ts';
import type { Policy } from '../src/domain/policy.ts';
import { createLogger, silentLogger } from '../src/logging.ts';
import { startAccessbot } from '../src/main.ts';
import type { Provider } from '../src/providers/types.ts';
import { onInterrupt } from './lib/cleanup.ts';
import { BENCH_PG_URL, freshPostgresDatabase, postgresSkipReason, shownUrl } from './lib/postgres.ts';
import { runIfMain, sized, spreadFigures, type BenchResult, type Figure, type Mode } from './lib/report.ts';
import { num, ratio, spread, type Spread } from './lib/stats.ts';
import { settle } from './lib/settle.ts';
import { APPROVALS, ApprovalCards } from './lib/slack-fixture.ts';

const SECRET = 'bench-signing-secret';
const WARMUP = 20;
const H = 3_600_000;
type Kind = 'accessbot' | 'bare';
type StoreKind = 'sqlite' | 'postgres';
const serving = process.argv[2] === '--serve' ? (process.argv[3] as Kind) : null;
/** Requesters the child's policy knows: enough for every request of a full run. */
const MAX_REQUESTERS = 4_000;
const TARGET_RATIO = 1.5;
/** BENCH_DEBUG=DIR: the app logs at debug level to DIR/app-PID.log, and an unsettled round prints what is missing. */
const debugDir = process.env.BENCH_DEBUG ?? null;

const requesters: EmulatedUser[] = Array.from({ length: MAX_REQUESTERS }, (_, i) => ({ id: `U0REQ${i}`, name: `req${i}`, email: `req${i}@example.com` }));
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
    const bot = await startAccessbot(loadEnv(env), { policy: benchPolicy(), providers: new Map([['orders-db', noopProvider]]), env, log: debugDir ? createLogger('debug', createWriteStream(join(debugDir, `app-${process.pid}.log`))) : silentLogger() });
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
  // BENCH_CPU_PROF=DIR: each app process writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', fileURLToPath(import.meta.url), '--serve', kind], {
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

/**
 * The senders run on a worker thread of their own. This process also plays the Slack Web API, which the app
 * calls several times for every request after its ack (cards, DMs, lookups): on the main thread those calls
 * would sit between an ack's arrival and its reading, and the floor, which calls nothing, would not pay that.
 * Plain JavaScript (no TypeScript loader in the thread): it only posts prepared requests and times them.
 */
const SENDERS = `
const { parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
parentPort.on('message', async ({ url, requests, concurrency }) => {
  const times = [];
  let missed = 0;
  let next = 0;
  const sender = async () => {
    while (next < requests.length) {
      const request = requests[next++];
      const started = performance.now();
      const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
      const text = await response.text();
      times.push(performance.now() - started);
      // Bolt answers 404 when no ack came within Slack's 3 s: counted as not acked.
      if (response.status === 404) missed++;
      else if (response.status !== 200) throw new Error('unexpected HTTP ' + response.status + ': ' + text);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, sender));
    parentPort.postMessage({ times, missed });
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
});
`;

interface Senders {
  /** The ack times (ms) of `requests` sent with `concurrency` in flight, and how many were not acked in 3 s. */
  send(url: string, requests: SignedRequest[], concurrency: number): Promise<{ times: number[]; missed: number }>;
  close(): Promise<void>;
}

function startSenders(): Senders {
  const worker = new Worker(SENDERS, { eval: true });
  return {
    send: (url, requests, concurrency) =>
      new Promise((resolve, reject) => {
        worker.once('message', (answer: { times: number[]; missed: number } | { error: string }) => ('error' in answer ? reject(new Error(answer.error)) : resolve(answer)));
        worker.once('error', reject);
        worker.postMessage({ url, requests: requests.map((r) => ({ headers: r.headers, body: r.body })), concurrency });
      }),
    close: async () => void (await worker.terminate()),
  };
}

interface Measured {
  /** Per concurrency: commands and clicks. */
  byConcurrency: Map<number, { commands: Spread; clicks: Spread; missed: number }>;
  inApp: Map<string, number>;
  /** Waits for a round's follow-up work (cards, grant notices) that gave up: the app was not idle after them. */
  unsettled: Unsettled[];
  /** How long each wait for follow-up work took (ms). */
  settleMs: number[];
}

/** One app process on one store, with its own Slack emulator and senders, started and ready for requests. */
interface Launched {
  kind: Kind;
  emu: SlackEmulator;
  child: Child;
  senders: Senders;
  stop(): Promise<void>;
}

async function launch(kind: Kind, store: StoreKind | null): Promise<Launched> {
  const emu = await startSlackEmulator({
    users: [...requesters, approver],
    channels: [{ id: 'C0APPROVALS', name: 'approvals' }, { id: 'C0AUDIT', name: 'audit' }, { id: 'C0GENERAL', name: 'general' }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'accessbot-bench-'));
  const removeDir = onInterrupt(() => (debugDir ? console.log(`kept ${dir}`) : rmSync(dir, { recursive: true, force: true })));
  const database = store === 'postgres' ? await freshPostgresDatabase() : null;
  const dropDatabase = onInterrupt(async () => database?.drop());
  let started: Child | null = null;
  const senders = startSenders();
  const stopChild = onInterrupt(async () => {
    if (!started) return;
    started.child.kill('SIGTERM');
    await started.done;
  });
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await stopChild();
      await senders.close();
      await emu.close();
      await dropDatabase();
      await removeDir();
    })());
  try {
    started = await startChild(kind, emu, database ? { BENCH_DATABASE_URL: database.url } : { BENCH_SQLITE_PATH: join(dir, 'bench.db') });
  } catch (error) {
    await stop();
    throw error;
  }
  return { kind, emu, child: started, senders, stop };
}

/**
 * Waiting for a round's follow-up work (its cards, then its grant notices) before the next step: done as soon
 * as all of it is posted; a wait during which neither it moved nor the app called Slack for STALL_MS is given
 * up and named in the notes (the next step then starts on a busy app), and SETTLE_MS caps one that keeps crawling.
 */
const STALL_MS = 10_000;
const SETTLE_MS = 60_000;

/** What did not finish within a wait: which round and step, and the requests (ids or senders) still missing. */
interface Unsettled {
  /** The round's concurrency level, or the warm-up. */
  round: number | 'warm-up';
  step: 'cards' | 'grant notices';
  expected: number;
  reached: number;
  ms: number;
  stalled: boolean;
  missing: string[];
}

/** For each concurrency, `sizes(concurrency)` commands then as many clicks on those requests (after a warm-up); then stops the app. */
async function measure(app: Launched, sizes: (concurrency: number) => number, levels: readonly number[], warmup: number): Promise<Measured> {
  const { kind, emu, senders } = app;
  const { url } = app.child;
  const byConcurrency: Measured['byConcurrency'] = new Map();
  const unsettled: Unsettled[] = [];
  const settleMs: number[] = [];
  try {
    const signer = new SlackRequestSigner({ signingSecret: SECRET, teamId: emu.team.id, appId: emu.bot.appId });
    const cards = new ApprovalCards();
    let filed = 0;
    /** Waits until `isDone` holds for `target` of `users`, at least; records the wait, and what is missing if it gives up. */
    const waitFor = async (round: Unsettled['round'], step: Unsettled['step'], users: readonly EmulatedUser[], target: number, isDone: (user: EmulatedUser) => boolean, describe: (user: EmulatedUser) => string, refresh = () => {}) => {
      const done = new Set<string>();
      const progress = () => {
        refresh();
        for (const user of users) if (!done.has(user.id) && isDone(user)) done.add(user.id);
        return done.size;
      };
      // Stalled only when the app stopped calling Slack too: a backlog of other notices ahead still counts as moving.
      const result = await settle(progress, target, { stallMs: STALL_MS, capMs: SETTLE_MS, activity: () => emu.calls.length });
      settleMs.push(result.ms);
      if (!result.settled) {
        const missing = users.filter((u) => !done.has(u.id)).map(describe);
        unsettled.push({ round, step, expected: target, reached: result.reached, ms: result.ms, stalled: result.stalled, missing });
        if (debugDir) console.log(`UNSETTLED ${step} at ${round}: ${result.reached} of ${target} after ${result.ms} ms\n  ${missing.join('\n  ')}`);
      }
    };
    const answerTo = (responseUrlId: string) => emu.ephemerals.filter((e) => e.responseUrlId === responseUrlId).map((e) => e.text.slice(0, 60)).join(' | ') || 'nothing';
    const dmText = (user: EmulatedUser) => emu.messages(user.id).map((m) => m.text.slice(0, 60)).join(' | ');
    const round = async (count: number, concurrency: number, level: Unsettled['round'] = concurrency) => {
      const first = filed;
      const users = requesters.slice(first, first + count);
      const commands = users.map((user, i): SignedRequest => {
        const responseUrl = emu.responseUrlFor(`c${first + i}`, { channel: 'C0GENERAL', user: user.id });
        return signer.slashCommand({ command: '/request-access', text: `readonly 30m bench run ${first + i}`, userId: user.id, responseUrl });
      });
      const t0 = Date.now();
      const commandAcks = await senders.send(url, commands, concurrency);
      const t1 = Date.now();
      filed += count;
      // The approver clicks Approve on the cards this round posted (a request Bolt did not ack in 3 s has none),
      // as Slack sends it: the card's own ts and its button's value. The bare app gets the same clicks blind.
      let targets: Array<{ requestId: string; ts: string; user: EmulatedUser }>;
      if (kind === 'accessbot') {
        await waitFor(level, 'cards', users, count - commandAcks.missed, (user) => cards.of(user.id) !== undefined, (user) => `${user.id}: no card; DMs: ${dmText(user)}`, () => cards.update(emu.messages(APPROVALS)));
        targets = users.flatMap((user) => {
          const card = cards.of(user.id);
          return card ? [{ requestId: card.requestId, ts: card.ts, user }] : [];
        });
      } else targets = users.map((user, i) => ({ requestId: String(first + i + 1), ts: '1.000001', user }));
      const clicks = targets.map(({ requestId, ts }, i): SignedRequest => {
        const responseUrl = emu.responseUrlFor(`a${first + i}`, { channel: APPROVALS, user: approver.id });
        return signer.blockAction({ userId: approver.id, actions: [{ actionId: 'request_approve', value: requestId }], message: { channel: APPROVALS, ts }, responseUrl });
      });
      const t2 = Date.now();
      const clickAcks = await senders.send(url, clicks, concurrency);
      const t3 = Date.now();
      // The next round starts on an idle app: the grants (and their DMs) of this one are done.
      if (kind === 'accessbot') {
        const clicked = targets.map((t) => t.user);
        const requestOf = new Map(targets.map((t) => [t.user.id, t.requestId]));
        await waitFor(level, 'grant notices', clicked, clicked.length - clickAcks.missed, (user) => emu.messages(user.id).some((m) => m.text.includes('is active until')), (user) => `AR-${requestOf.get(user.id)} (${user.id}): DMs: ${dmText(user)}; click answered: ${answerTo(`a${first + clicked.indexOf(user)}`)}`);
      }
      if (debugDir) console.log(`ROUND ${kind} ${count} at ${concurrency}: commands ${t1 - t0} ms, cards ${t2 - t1} ms, clicks ${t3 - t2} ms, grant notices ${Date.now() - t3} ms`);
      return { commands: commandAcks.times, clicks: clickAcks.times, missed: commandAcks.missed + clickAcks.missed };
    };
    await round(warmup, 1, 'warm-up');
    for (const concurrency of levels) {
      const { commands, clicks, missed } = await round(sizes(concurrency), concurrency);
      byConcurrency.set(concurrency, { commands: spread(commands), clicks: spread(clicks), missed });
    }
  } finally {
    await app.stop();
  }
  return { byConcurrency, inApp: app.child.inApp, unsettled, settleMs };
}

export async function bench(mode: Mode): Promise<BenchResult> {
  // Requests of each kind per concurrency level: at least a few waves of every sender, so p99 is not one burst's tail.
  const perLevel = sized(mode, {
    full: new Map([[1, 300], [20, 300], [100, 300]]),
    quick: new Map([[1, 40], [20, 60], [100, 100]]),
    smoke: new Map([[1, 10], [5, 10]]),
  });
  const warmup = sized(mode, { full: WARMUP, quick: 10, smoke: 5 });
  const levels = [...perLevel.keys()];
  const sizes = (concurrency: number) => perLevel.get(concurrency)!;
  if (warmup + levels.reduce((sum, c) => sum + sizes(c), 0) > MAX_REQUESTERS) throw new Error('more requests than requesters');
  const pgSkip = mode === 'smoke' ? 'PostgreSQL not measured in this mode' : await postgresSkipReason();
  // The app processes start (and compile) together; they are measured one at a time, the others idle.
  const launching = await Promise.allSettled([launch('bare', null), launch('accessbot', 'sqlite'), pgSkip ? Promise.resolve(null) : launch('accessbot', 'postgres')]);
  const launched = launching.flatMap((l) => (l.status === 'fulfilled' && l.value ? [l.value] : []));
  const apps: Array<[string, Measured]> = [];
  let bare: Measured;
  try {
    const failed = launching.find((l) => l.status === 'rejected');
    if (failed) throw failed.reason;
    const [bareApp, sqliteApp, pgApp] = launching.map((l) => (l.status === 'fulfilled' ? l.value : null));
    bare = await measure(bareApp!, sizes, levels, warmup);
    apps.push(['SQLite', await measure(sqliteApp!, sizes, levels, warmup)]);
    if (pgApp) apps.push(['PostgreSQL', await measure(pgApp, sizes, levels, warmup)]);
  } finally {
    for (const app of launched) await app.stop();
  }
  const rows: string[][] = [];
  const figures: Figure[] = [];
  const ms = (v: number | undefined) => num(v, 1);
  for (const concurrency of levels) {
    for (const [what, pick, metric] of [
      ['/request-access', (m: { commands: Spread; clicks: Spread }) => m.commands, 'ack_request_access'],
      ['Approve click', (m: { commands: Spread; clicks: Spread }) => m.clicks, 'ack_approve_click'],
    ] as const) {
      const floor = pick(bare.byConcurrency.get(concurrency)!);
      figures.push(...spreadFigures(metric, floor, { app: 'bare-bolt', concurrency }));
      if (what === '/request-access') {
        figures.push({ metric: 'not_acked_within_3s', value: bare.byConcurrency.get(concurrency)!.missed, unit: 'count', labels: { app: 'bare-bolt', concurrency } });
        for (const [label, m] of apps) figures.push({ metric: 'not_acked_within_3s', value: m.byConcurrency.get(concurrency)!.missed, unit: 'count', labels: { app: 'accessbot', store: label.toLowerCase(), concurrency } });
      }
      rows.push([`${what}, ${concurrency} sender${concurrency === 1 ? '' : 's'}`, 'bare Bolt (floor)', ms(floor.p50), ms(floor.p99), ms(floor.max), '', String(bare.byConcurrency.get(concurrency)!.missed)]);
      for (const [label, measured] of apps) {
        const s = pick(measured.byConcurrency.get(concurrency)!);
        const r = s.p99 / floor.p99;
        figures.push(...spreadFigures(metric, s, { app: 'accessbot', store: label.toLowerCase(), concurrency }));
        figures.push({ metric: `${metric}_p99_ratio_to_bare_bolt`, value: Number.isFinite(r) ? Math.round(r * 100) / 100 : null, unit: 'ratio', labels: { store: label.toLowerCase(), concurrency } });
        rows.push(['', `accessbot, ${label}`, ms(s.p50), ms(s.p99), ms(s.max), `${ratio(floor.p99, s.p99)}${r <= TARGET_RATIO ? ' ✓' : ' ✗'}`, String(measured.byConcurrency.get(concurrency)!.missed)]);
      }
    }
  }
  const notes = [
    `requests of each kind per concurrency level: ${levels.map((c) => `${sizes(c)} at ${c}`).join(', ')}, after ${warmup} warm-up; each level starts on an idle app (the previous level's cards and grants done). App in its own process, senders on their own thread beside the Slack emulator, loopback HTTP; Slack's limit is 3,000 ms.`,
    `target: accessbot ack p99 ≤ ${TARGET_RATIO}× the bare Bolt app's at every concurrency (✓ met, ✗ missed). "not acked in 3 s": commands and clicks together that Bolt answered with 404 because no ack came within Slack's limit.`,
  ];
  for (const [label, measured] of apps) {
    notes.push(`${label}: mean receipt → ack inside the app (accessbot_ack_seconds) ${ms(measured.inApp.get('command'))} ms for commands, ${ms(measured.inApp.get('action'))} ms for clicks.`);
    for (const concurrency of levels) {
      const value = measured.unsettled.filter((u) => u.round === concurrency).length;
      figures.push({ metric: 'unsettled_waits', value, unit: 'count', labels: { app: 'accessbot', store: label.toLowerCase(), concurrency } });
    }
    const longest = Math.max(0, ...measured.settleMs);
    notes.push(`${label}: the longest wait for a round's cards, or for its grant notices, after its last ack: ${num(longest / 1000, 1)} s.`);
    for (const u of measured.unsettled) {
      const why = u.stalled ? `nothing moved for ${STALL_MS / 1000} s` : `still short after ${SETTLE_MS / 1000} s`;
      notes.push(`${label}: ${u.round === 'warm-up' ? 'in the warm-up' : `at ${u.round} sender(s)`}, only ${u.reached} of ${u.expected} ${u.step} after ${num(u.ms / 1000, 1)} s (${why}); the next step started on a busy app. Missing: ${u.missing.slice(0, 5).join('; ')}${u.missing.length > 5 ? `; … ${u.missing.length - 5} more` : ''}.`);
    }
  }
  if (pgSkip) notes.push(pgSkip);
  else notes.push(`PostgreSQL: ${shownUrl(BENCH_PG_URL)}, a fresh database.`);
  return { id: 'ack-latency', title: 'Slack ack latency (sender → HTTP answer), ms', header: ['requests', 'app', 'p50', 'p99', 'max', 'p99 / floor', 'not acked in 3 s'], rows, figures, notes };
}

if (serving) await serve(serving, process.env.BENCH_API_URL!, process.env.BENCH_BOT_TOKEN!);
else await runIfMain(import.meta.url, bench);
