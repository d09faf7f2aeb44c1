/**
 * Filing throughput end to end: signed `/request-access reviewed 1h …` commands, sent by C concurrent senders
 * (default 32) round-robin over the replicas' ports, each timed from the moment it leaves until its approval card
 * is posted to the approvals channel of the Slack emulator (the role needs an approval, so every request posts
 * one). Real `accessbot serve` processes (src/cli.ts serve, policy file, webhook target that is never called):
 *   - SQLite, 1 replica (reference)
 *   - PostgreSQL, 1 replica, fresh database
 *   - PostgreSQL, 3 replicas sharing one fresh database
 * Requests/s = N / (last card posted − first command sent). Everything (PostgreSQL, the replicas, this process
 * with the emulator and the senders) shares the machine's cores. Prints; never asserts.
 * Sizes by mode (full: 600 requests, all three set-ups; quick: 200, one replica per store).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { postToApp, SlackRequestSigner, startSlackEmulator, type SlackEmulator } from '../playground/slack-emulator/index.ts';
import { onInterrupt } from './lib/cleanup.ts';
import { APPROVALS, APPROVER, CHANNELS, HOOK_SECRET, policyYaml, usersFor } from './lib/slack-fixture.ts';
import { BENCH_PG_URL, freshPostgresDatabase, postgresSkipReason, shownUrl } from './lib/postgres.ts';
import { startServe, type ServeProcess } from './lib/serve.ts';
import { round, runIfMain, sized, spreadFigures, type BenchResult, type Figure, type Mode } from './lib/report.ts';
import { num, spread, type Spread } from './lib/stats.ts';
import { until } from './lib/until.ts';

const SENDERS = 32;
/** Requests per replica before measuring (tsx compile, pools, JIT), not counted. */
const WARMUP_PER_REPLICA = 10;
const SIGNING_SECRET = 'bench-throughput-signing-secret';
/** A keyed audit log, as production should run (and no start-up warning about it). */
const AUDIT_KEY = 'ab'.repeat(32);

interface Scenario {
  label: string;
  store: 'sqlite' | 'postgres';
  replicas: number;
}

interface Outcome {
  scenario: Scenario;
  sent: number;
  cards: number;
  seconds: number;
  perSecond: number;
  latency: Spread;
  ack: Spread;
  failures: number;
  warnings: string[];
}


/** Records when each requester's approval card first appears in the approvals channel. */
function watchCards(emu: SlackEmulator): { cardAt: Map<string, number>; stop: () => void } {
  const cardAt = new Map<string, number>();
  let seen = 0;
  const stop = emu.onChange(() => {
    const messages = emu.messages(APPROVALS);
    if (messages.length === seen) return;
    const now = performance.now();
    for (const message of messages.slice(seen)) {
      const text = `${message.text} ${JSON.stringify(message.blocks ?? [])}`;
      for (const [, id] of text.matchAll(/<@(U0B\d{6})>/g)) if (!cardAt.has(id!)) cardAt.set(id!, now);
    }
    seen = messages.length;
  });
  return { cardAt, stop };
}

async function run(scenario: Scenario, N: number): Promise<Outcome> {
  const warmup = WARMUP_PER_REPLICA * scenario.replicas;
  const users = usersFor(warmup + N);
  const dir = mkdtempSync(join(tmpdir(), 'accessbot-bench-throughput-'));
  const removeDir = onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  const policyPath = join(dir, 'policy.yaml');
  writeFileSync(policyPath, policyYaml(users));
  const emu = await startSlackEmulator({
    users: [...users, APPROVER],
    channels: CHANNELS,
  });
  const database = scenario.store === 'postgres' ? await freshPostgresDatabase() : null;
  const dropDatabase = onInterrupt(async () => database?.drop());
  const replicas: ServeProcess[] = [];
  const watcher = watchCards(emu);
  try {
    const storeEnv: Record<string, string> = database ? { DATABASE_URL: database.url } : { ACCESSBOT_DB: join(dir, 'accessbot.db') };
    const started = await Promise.allSettled(
      Array.from({ length: scenario.replicas }, (_, i) =>
        startServe({
          ...storeEnv,
          ACCESSBOT_POLICY: policyPath,
          ACCESSBOT_INSTANCE_ID: `bench-replica-${i + 1}`,
          BENCH_HOOK_SECRET: HOOK_SECRET,
          ACCESSBOT_AUDIT_KEY: AUDIT_KEY,
          PORT: '0',
          LOG_LEVEL: 'info',
          SLACK_BOT_TOKEN: emu.botToken,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: emu.url,
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') replicas.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;

    const signer = new SlackRequestSigner({ signingSecret: SIGNING_SECRET, teamId: emu.team.id, appId: emu.bot.appId });
    const sentAt = new Map<string, number>();
    const acks: number[] = [];
    let failures = 0;
    /** Sends users[from, to) with `SENDERS` in flight, request i to replica i mod R. */
    const send = async (from: number, to: number, record: boolean): Promise<void> => {
      let next = from;
      const sender = async (): Promise<void> => {
        while (next < to) {
          const i = next++;
          const user = users[i]!;
          const replica = replicas[i % replicas.length]!;
          const request = signer.slashCommand({
            command: '/request-access',
            text: `reviewed 1h throughput bench ${i}`,
            userId: user.id,
            userName: user.name,
            channelId: 'C0GENERAL',
            responseUrl: emu.responseUrlFor(`t${i}`, { channel: 'C0GENERAL', user: user.id }),
          });
          const t0 = performance.now();
          sentAt.set(user.id, t0);
          const response = await postToApp(`http://127.0.0.1:${replica.port}/slack/events`, request);
          if (record) acks.push(performance.now() - t0);
          if (response.status !== 200) failures++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(SENDERS, to - from) }, sender));
    };
    const cardsOf = (from: number, to: number) => users.slice(from, to).filter((u) => watcher.cardAt.has(u.id)).length;

    await send(0, warmup, false);
    if (!(await until(() => cardsOf(0, warmup) === warmup, 60_000))) throw new Error(`warm-up: only ${cardsOf(0, warmup)} of ${warmup} cards were posted within 60 s`);

    const firstSent = performance.now();
    await send(warmup, warmup + N, true);
    await until(() => cardsOf(warmup, warmup + N) === N, 180_000);
    const measured = users.slice(warmup);
    const latencies = measured.filter((u) => watcher.cardAt.has(u.id)).map((u) => watcher.cardAt.get(u.id)! - sentAt.get(u.id)!);
    const lastCard = Math.max(...measured.map((u) => watcher.cardAt.get(u.id) ?? Number.NaN).filter((t) => !Number.isNaN(t)));
    const seconds = (lastCard - firstSent) / 1000;
    return {
      scenario,
      sent: N,
      cards: latencies.length,
      seconds,
      perSecond: latencies.length / seconds,
      latency: spread(latencies),
      ack: spread(acks),
      failures,
      warnings: replicas.flatMap((r) => r.warnings.map((w) => `${String(w.msg)}${w.err ? `: ${String(w.err)}` : ''}`)),
    };
  } finally {
    watcher.stop();
    await Promise.all(replicas.map((r) => r.stop()));
    await emu.close();
    await dropDatabase();
    await removeDir();
  }
}

export async function bench(mode: Mode): Promise<BenchResult> {
  const N = sized(mode, { full: 600, quick: 200, smoke: 10 });
  const pgSkip = mode === 'smoke' ? 'PostgreSQL not measured in this mode' : await postgresSkipReason();
  const scenarios: Scenario[] = [
    { label: 'SQLite, 1 replica', store: 'sqlite', replicas: 1 },
    { label: 'PostgreSQL, 1 replica', store: 'postgres', replicas: 1 },
    ...(mode === 'full' ? [{ label: 'PostgreSQL, 3 replicas', store: 'postgres' as const, replicas: 3 }] : []),
  ];
  const outcomes: Outcome[] = [];
  for (const scenario of scenarios) {
    if (scenario.store === 'postgres' && pgSkip) continue;
    outcomes.push(await run(scenario, N));
  }
  const notes = [
    `Real \`accessbot serve\` processes (compiled JS): ${N} signed /request-access commands (role needs approval) from ${SENDERS} concurrent senders, round-robin over the replicas, after ${WARMUP_PER_REPLICA} warm-up requests per replica. Card latency = command sent → approval card posted to the Slack emulator.`,
    pgSkip ?? `PostgreSQL: ${shownUrl(BENCH_PG_URL)}, a fresh database per run.`,
  ];
  const figures: Figure[] = [];
  for (const o of outcomes) {
    const labels = { store: o.scenario.store, replicas: o.scenario.replicas, senders: SENDERS };
    figures.push({ metric: 'requests_filed_per_second', value: round(o.perSecond), unit: 'requests/s', labels });
    figures.push(...spreadFigures('command_to_card', o.latency, labels), ...spreadFigures('ack_under_load', o.ack, labels));
    if (o.failures) notes.push(`${o.scenario.label}: ${o.failures} commands were not answered with HTTP 200`);
    if (o.warnings.length) {
      const counted = new Map<string, number>();
      for (const w of o.warnings) counted.set(w, (counted.get(w) ?? 0) + 1);
      notes.push(`${o.scenario.label}: replicas logged ${o.warnings.length} warnings/errors: ${[...counted].map(([w, n]) => `${n}× ${w}`).join('; ')}`);
    }
  }
  return {
    id: 'throughput',
    title: 'Throughput: requests filed end to end (command → approval card posted)',
    header: ['setup', 'requests/s', 'cards', 'wall s', 'card p50 ms', 'card p99 ms', 'card max ms', 'ack p50 ms', 'ack p99 ms'],
    rows: outcomes.map((o) => [o.scenario.label, num(o.perSecond, 1), `${o.cards}/${o.sent}`, num(o.seconds, 2), num(o.latency.p50), num(o.latency.p99), num(o.latency.max), num(o.ack.p50), num(o.ack.p99)]),
    figures,
    notes,
  };
}

await runIfMain(import.meta.url, bench);
