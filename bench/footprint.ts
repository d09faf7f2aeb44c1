/**
 * Footprint of the running bot and of the command line, as a user runs them:
 *   - cold start: process spawned → first `GET /healthz` 200 (SQLite, Slack against the emulator), median of runs
 *   - idle RSS 2 s after it answers, and RSS (and peak) after N signed `/request-access` filings (each posts a card)
 *   - one-shot CLI: `accessbot --help` and `accessbot policy check` (whole process), median of runs
 *   - `/metrics` names: the default process metrics are `accessbot_process_*` (never `…_process_process_*`)
 * for the bundled JavaScript (`node bin/accessbot.js`, what `npm start` runs) and, in a full run, to compare, the
 * TypeScript sources through tsx (what `npm start` ran before the build step). Prints; never asserts.
 *
 * Cold start and the CLI read a policy of CLI_REQUESTERS requesters in every mode, so quick and full runs compare
 * and the figure is the runtime's, not YAML parsing's: the load's policy lists every one of its N requesters
 * (10,000 in a full run), and `policy check` of that file is printed apart (it grows with the file).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { postToApp, SlackRequestSigner, startSlackEmulator } from '../playground/slack-emulator/index.ts';
import { onInterrupt } from './lib/cleanup.ts';
import { round, runIfMain, sized, type BenchResult, type Figure, type Mode } from './lib/report.ts';
import { cliCommand, ROOT, rssOf, startServe, type Runtime } from './lib/serve.ts';
import { until } from './lib/until.ts';
import { APPROVER, CHANNELS, HOOK_SECRET, policyYaml, usersFor } from './lib/slack-fixture.ts';
import { num, percentile } from './lib/stats.ts';

const SIGNING_SECRET = 'bench-footprint-signing-secret';
const TARGETS = { coldStartMs: 1_000, idleRssMb: 100, cliMs: 200 };
/** Requesters in the policy that cold starts and CLI runs read (the load's policy has one per filing). */
const CLI_REQUESTERS = 100;

const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 50);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Fixture {
  env: Record<string, string>;
  /** The same workspace with a CLI_REQUESTERS-requester policy (cold starts, CLI). */
  smallEnv: Record<string, string>;
  users: ReturnType<typeof usersFor>;
  signer: SlackRequestSigner;
  emu: Awaited<ReturnType<typeof startSlackEmulator>>;
  dir: string;
}

async function fixture(requests: number): Promise<Fixture & { close(): Promise<void> }> {
  const users = usersFor(requests);
  const dir = mkdtempSync(join(tmpdir(), 'accessbot-bench-footprint-'));
  const removeDir = onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'policy.yaml'), policyYaml(users));
  writeFileSync(join(dir, 'small-policy.yaml'), policyYaml(usersFor(CLI_REQUESTERS)));
  const emu = await startSlackEmulator({ users: [...users, APPROVER], channels: CHANNELS });
  const env = {
    ACCESSBOT_POLICY: join(dir, 'policy.yaml'),
    BENCH_HOOK_SECRET: HOOK_SECRET,
    LOG_LEVEL: 'warn',
    SLACK_BOT_TOKEN: emu.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: emu.url,
  };
  const signer = new SlackRequestSigner({ signingSecret: SIGNING_SECRET, teamId: emu.team.id, appId: emu.bot.appId });
  return {
    env,
    smallEnv: { ...env, ACCESSBOT_POLICY: join(dir, 'small-policy.yaml') },
    users,
    signer,
    emu,
    dir,
    close: async () => {
      await emu.close();
      await removeDir();
    },
  };
}

/** Spawn → first /healthz 200, then (when `idle`) its RSS 2 s later; the process is stopped afterwards. */
async function coldStart(runtime: Runtime, f: Fixture, run: number, idle: boolean): Promise<{ ms: number; idleRssMb: number | null }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, cliCommand(runtime, ['serve']), {
    cwd: ROOT,
    env: { ...process.env, ...f.smallEnv, PORT: String(port), ACCESSBOT_DB: join(f.dir, `cold-${runtime}-${run}.db`) },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const kill = onInterrupt(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`accessbot serve (${runtime}) exited ${child.exitCode} before /healthz answered`);
      if (performance.now() - started > 60_000) throw new Error(`accessbot serve (${runtime}): no /healthz 200 within 60 s`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const ms = performance.now() - started;
    if (!idle) return { ms, idleRssMb: null };
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    return { ms, idleRssMb: rssOf(child.pid!).rssMb };
  } finally {
    await kill();
  }
}

/** RSS after `count` signed filings from 20 concurrent senders, and the /metrics names. */
async function underLoad(
  runtime: Runtime,
  f: Fixture,
  count: number,
): Promise<{ rssMb: number; peakMb: number; perSecond: number; metricsOk: boolean; ackedS: number; cardsAtAcked: number; postedS: number }> {
  const app = await startServe({ ...f.env, LOG_LEVEL: 'info', PORT: '0', ACCESSBOT_DB: join(f.dir, `load-${runtime}.db`) }, { runtime });
  try {
    let next = 0;
    let failures = 0;
    const started = performance.now();
    const sender = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const user = f.users[i]!;
        const request = f.signer.slashCommand({
          command: '/request-access',
          text: `reviewed 1h footprint bench ${i}`,
          userId: user.id,
          userName: user.name,
          channelId: 'C0GENERAL',
          responseUrl: f.emu.responseUrlFor(`f${i}`, { channel: 'C0GENERAL', user: user.id }),
        });
        const response = await postToApp(`http://127.0.0.1:${app.port}/slack/events`, request);
        if (response.status !== 200) failures++;
      }
    };
    await Promise.all(Array.from({ length: 20 }, sender));
    // Where the phase's time goes: the senders' part (every filing acked) and the outbox's (every card posted).
    const ackedS = (performance.now() - started) / 1000;
    const cardsAtAcked = f.emu.messages('C0APPROVALS').length;
    await until(() => f.emu.messages('C0APPROVALS').length >= count, 120_000);
    const postedS = (performance.now() - started) / 1000;
    const perSecond = f.emu.messages('C0APPROVALS').length / postedS;
    if (failures) throw new Error(`${failures} of ${count} filings were not answered with HTTP 200`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const metrics = await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text();
    const metricsOk = metrics.includes('accessbot_process_cpu_seconds_total') && !metrics.includes('process_process');
    return { ...rssOf(app.pid), perSecond, metricsOk, ackedS, cardsAtAcked, postedS };
  } finally {
    await app.stop();
  }
}

/** Whole-process time of one CLI command, median of `runs`. */
function cliTime(runtime: Runtime, args: string[], runs: number, env: Record<string, string>): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, cliCommand(runtime, args), { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
    times.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`accessbot ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return median(times);
}

/** How many of each, per runtime and mode: the before-bundling tsx row is for a full run only. */
const RUNS = {
  compiled: { full: { starts: 5, idle: 3, cli: 7 }, quick: { starts: 3, idle: 2, cli: 3 }, smoke: { starts: 1, idle: 1, cli: 1 } },
  tsx: { full: { starts: 2, idle: 1, cli: 3 }, quick: null, smoke: null },
} as const;

export async function bench(mode: Mode): Promise<BenchResult> {
  const requests = sized(mode, { full: 10_000, quick: 500, smoke: 20 });
  const runtimes = (['compiled', 'tsx'] as const).filter((runtime) => RUNS[runtime][mode] !== null);
  const f = await fixture(requests);
  const figures: Figure[] = [];
  const rows: string[][] = [];
  const notes: string[] = [];
  const counts: string[] = [];
  let bareRuns = 1;
  try {
    for (const runtime of runtimes) {
      const runs = RUNS[runtime][mode]!;
      const labels = { runtime };
      const cold: number[] = [];
      const idle: number[] = [];
      for (let i = 0; i < runs.starts; i++) {
        const r = await coldStart(runtime, f, i, i < runs.idle);
        cold.push(r.ms);
        if (r.idleRssMb !== null) idle.push(r.idleRssMb);
      }
      const help = cliTime(runtime, ['--help'], runs.cli, f.smallEnv);
      const check = cliTime(runtime, ['policy', 'check', f.smallEnv.ACCESSBOT_POLICY!], runs.cli, f.smallEnv);
      bareRuns = Math.max(bareRuns, runs.cli);
      counts.push(`${runtime}: cold start median of ${runs.starts}, idle RSS of ${runs.idle}, CLI of ${runs.cli}`);
      const load = runtime === 'compiled' ? await underLoad(runtime, f, requests) : null;
      const at = (v: number | undefined, target?: number) => `${num(v, 0)}${target !== undefined && v !== undefined ? (v <= target ? ' ✓' : ' ✗') : ''}`;
      rows.push([
        runtime === 'compiled' ? 'bundled JS (node bin/accessbot.js)' : 'TypeScript via tsx (before)',
        at(median(cold), TARGETS.coldStartMs),
        at(median(idle), TARGETS.idleRssMb),
        load ? `${num(load.rssMb, 0)} (peak ${num(load.peakMb, 0)})` : '–',
        at(help, TARGETS.cliMs),
        at(check, TARGETS.cliMs),
      ]);
      figures.push(
        { metric: 'cold_start_to_healthz_p50', value: round(median(cold)), unit: 'ms', labels },
        { metric: 'idle_rss', value: round(median(idle)), unit: 'MB', labels },
        { metric: 'cli_help_p50', value: round(help), unit: 'ms', labels },
        { metric: 'cli_policy_check_p50', value: round(check), unit: 'ms', labels: { ...labels, requesters: CLI_REQUESTERS } },
      );
      if (load) {
        figures.push(
          { metric: 'rss_after_requests', value: round(load.rssMb), unit: 'MB', labels: { ...labels, requests } },
          { metric: 'peak_rss_during_requests', value: round(load.peakMb), unit: 'MB', labels: { ...labels, requests } },
          { metric: 'filings_per_second_during_load', value: round(load.perSecond), unit: 'requests/s', labels: { ...labels, requests } },
          { metric: 'load_every_filing_acked_after', value: round(load.ackedS), unit: 's', labels: { ...labels, requests } },
          { metric: 'load_every_card_posted_after', value: round(load.postedS), unit: 's', labels: { ...labels, requests } },
        );
        notes.push(
          `the ${requests.toLocaleString('en')} filings: every one acked after ${num(load.ackedS, 1)} s (${load.cardsAtAcked.toLocaleString('en')} cards posted by then), every card posted after ${num(load.postedS, 1)} s — the phase lasts as long as the bot's outbox takes to post the cards.`,
        );
        notes.push(`/metrics default process metrics named accessbot_process_* and none doubled: ${load.metricsOk ? 'yes' : 'NO'}`);
        if (mode !== 'smoke') {
          // The same command on the load's policy: YAML parsing grows with the file (one line per requester here).
          const big = cliTime(runtime, ['policy', 'check', f.env.ACCESSBOT_POLICY!], 3, f.env);
          figures.push({ metric: 'cli_policy_check_p50', value: round(big), unit: 'ms', labels: { ...labels, requesters: requests } });
          notes.push(`\`policy check\` of the load's policy (${requests.toLocaleString('en')} requesters in one group): ${num(big, 0)} ms (median of 3); the table's is a ${CLI_REQUESTERS}-requester policy.`);
        }
      }
    }
    // The floor on this machine: node itself starting and exiting, with nothing loaded.
    const bare: number[] = [];
    for (let i = 0; i < bareRuns; i++) {
      const t0 = performance.now();
      spawnSync(process.execPath, ['-e', '']);
      bare.push(performance.now() - t0);
    }
    figures.push({ metric: 'bare_node_start_p50', value: round(median(bare)), unit: 'ms', labels: {} });
    notes.push(`the floor on this machine: \`node -e ''\` starts and exits in ${num(median(bare), 0)} ms (median of ${bareRuns}); the CLI times include it.`);
  } finally {
    await f.close();
  }
  notes.push(`cold start, idle RSS and CLI: SQLite, Slack against the emulator, a policy with ${CLI_REQUESTERS} requesters (${counts.join('; ')}); RSS after ${requests.toLocaleString('en')} signed /request-access filings from 20 senders, each card posted.`);
  if (!runtimes.includes('tsx')) notes.push('the TypeScript-through-tsx row (before the build step) is measured in a full run only.');
  notes.push(`targets: cold start ≤ ${TARGETS.coldStartMs} ms, idle RSS ≤ ${TARGETS.idleRssMb} MB, one-shot CLI ≤ ${TARGETS.cliMs} ms (✓ met, ✗ missed).`);
  return {
    id: 'footprint',
    title: 'Footprint',
    header: ['runtime', 'cold start → /healthz ms', 'idle RSS MB', `RSS after ${requests.toLocaleString('en')} requests MB`, 'CLI --help ms', `CLI policy check ms (${CLI_REQUESTERS} requesters)`],
    rows,
    figures,
    notes,
  };
}

await runIfMain(import.meta.url, bench);
