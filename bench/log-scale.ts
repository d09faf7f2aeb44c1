/**
 * Scale of the audit log: the one-day digest (what the daily digest builds) over logs of growing size, at the
 * same daily traffic (~2,700 events a day, so a bigger log is a longer history, as in production), and
 * `accessbot audit verify` / `audit export` over the largest log that has a chain on both stores. One log per
 * store grows in place through the sizes (10k → 100k → …; the log of N events is the first N of any bigger
 * one), and each size is measured when the log holds exactly that many. Each digest is built in its own
 * process, so its time and peak RSS are its own: the first build there is cold (statements prepared, pages
 * read, code not yet optimised — what a CLI digest pays), the second is the same day again in that process
 * (what the long-running bot's scheduled digest is closer to); both are printed. verify and export run as the
 * compiled CLI (`node bin/accessbot.js`). Logs are written through the store port's bulk append with a valid
 * hash chain, the same rows into both stores in one pass, up to the size verify/export run on; past it (the
 * 10M-event SQLite log) the log is filled with in-database copies and ends in a generated tail, so the digest
 * still reads generated rows in a log of the full size and index shape (bench/lib/audit-log.ts, `fillTo`).
 * PostgreSQL stops at a smaller size than SQLite (see the note); the table says which sizes ran where.
 * Prints; never asserts.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openStore, type OpenStoreOptions } from '../db/store/open.ts';
import { buildDigest } from '../src/audit/digest.ts';
import { AuditLogWriter, DAY, START } from './lib/audit-log.ts';
import { onInterrupt } from './lib/cleanup.ts';
import { freshPostgresDatabase, postgresSkipReason } from './lib/postgres.ts';
import { round, runIfMain, sized, type BenchResult, type Figure, type Mode } from './lib/report.ts';
import { cliCommand, ROOT } from './lib/serve.ts';
import { num } from './lib/stats.ts';

const EVENTS_PER_DAY = 2_700;
const TIMEZONE = 'Europe/Berlin';
const DIGEST_TARGET_MS = 200;

const optionsFor = (location: string): OpenStoreOptions => (location.startsWith('sqlite:') ? { sqlitePath: location.slice('sqlite:'.length) } : { databaseUrl: location });

interface DigestRun {
  /** The first build in a fresh process. */
  ms: number;
  /** The same day built again in that process. */
  warmMs: number;
  events: number;
  maxRssMb: number;
}

/** Child process: builds the digest of [since, until) twice and prints both times, events and peak RSS as JSON. */
async function measureDigest(location: string, since: number, until: number): Promise<void> {
  const store = await openStore({ ...optionsFor(location), migrate: false });
  const build = async () => {
    const started = performance.now();
    const digest = await buildDigest(store, { since, until, timezone: TIMEZONE, label: 'bench' });
    return { ms: performance.now() - started, events: digest.totals.events };
  };
  const cold = await build();
  const warm = await build();
  await store.close();
  const run: DigestRun = { ms: cold.ms, warmMs: warm.ms, events: cold.events, maxRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6 };
  console.log(JSON.stringify(run));
}

function digestInChild(location: string, since: number, until: number): DigestRun {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure', location, String(since), String(until)], { encoding: 'utf8', cwd: ROOT });
  if (child.status !== 0) throw new Error(`digest measurement failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as DigestRun;
}

/** `accessbot audit <args>` on the compiled CLI against the store; wall time and peak RSS (GNU time). */
function cliRun(location: string, args: string[], out: string): { ms: number; maxRssMb: number | null; outMb: number } {
  const env = { ...process.env, ...(location.startsWith('sqlite:') ? { ACCESSBOT_DB: location.slice('sqlite:'.length), DATABASE_URL: '' } : { DATABASE_URL: location }) };
  const fd = openSync(out, 'w');
  const started = performance.now();
  const timed = statSync('/usr/bin/time', { throwIfNoEntry: false }) !== undefined;
  const command = cliCommand('compiled', ['audit', ...args]);
  const child = timed
    ? spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', process.execPath, ...command], { cwd: ROOT, env, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' })
    : spawnSync(process.execPath, command, { cwd: ROOT, env, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - started;
  closeSync(fd);
  if (child.status !== 0) throw new Error(`accessbot audit ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  const kb = /MAXRSS (\d+)/.exec(child.stderr ?? '')?.[1];
  return { ms, maxRssMb: kb ? (Number(kb) * 1024) / 1e6 : null, outMb: statSync(out).size / 1e6 };
}

interface Sizes {
  sqlite: number[];
  postgres: number[];
  /** verify/export run over this size (each store that has it). */
  cliAt: number;
  /** Sizes up to this are generated row by row with a valid chain; bigger ones are filled (see `fillTo`). */
  generatedUpTo: number;
}

type StoreKind = 'sqlite' | 'postgres';

/** Generated rows at the end of a filled log: ~37 days, so the digest's day and its 7-day look-back fall well inside. */
const TAIL_ROWS = 100_000;

export async function bench(mode: Mode): Promise<BenchResult> {
  const sizes = sized<Sizes>(mode, {
    full: { sqlite: [10_000, 100_000, 1_000_000, 10_000_000], postgres: [10_000, 100_000, 1_000_000], cliAt: 1_000_000, generatedUpTo: 1_000_000 },
    quick: { sqlite: [10_000, 100_000], postgres: [10_000], cliAt: 100_000, generatedUpTo: 100_000 },
    smoke: { sqlite: [2_000], postgres: [], cliAt: 2_000, generatedUpTo: 2_000 },
  });
  const pgSkip = sizes.postgres.length ? await postgresSkipReason() : 'PostgreSQL not measured in this mode';
  const rows: Record<StoreKind, string[][]> = { sqlite: [], postgres: [] };
  const figures: Figure[] = [];
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'accessbot-bench-log-'));
  const removeDir = onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  const stores: StoreKind[] = ['sqlite', ...(sizes.postgres.length && !pgSkip ? (['postgres'] as const) : [])];
  if (pgSkip) notes.push(pgSkip);
  const database = stores.includes('postgres') ? await freshPostgresDatabase() : null;
  const drop = onInterrupt(async () => database?.drop());
  const location: Record<StoreKind, string> = { sqlite: `sqlite:${join(dir, 'audit-sqlite.db')}`, postgres: database?.url ?? '' };
  // One log, written once, into every store that measures a size (PostgreSQL leaves after its largest).
  let writer: AuditLogWriter | null = null;
  try {
    writer = await AuditLogWriter.open(Object.fromEntries(stores.map((store) => [store, optionsFor(location[store])])), EVENTS_PER_DAY);
    const allSizes = [...new Set(stores.flatMap((store) => sizes[store]))].sort((a, b) => a - b);
    for (const size of allSizes) {
      // PostgreSQL first: its figures are taken right after its load, as when each store was written alone.
      const measured = stores.filter((store) => sizes[store].includes(size)).reverse();
      const before = writer.written;
      const started = performance.now();
      const grown = size <= sizes.generatedUpTo ? { ...(await writer.growTo(size)), copied: 0 } : await writer.fillTo(size, TAIL_ROWS);
      const { written, lastAt, copied } = grown;
      const writeRate = (written - before) / ((performance.now() - started) / 1000);
      // The last whole day of the log: what the daily digest builds the morning after.
      const dayStart = START + (Math.floor((lastAt - START) / DAY) - 1) * DAY;
      for (const store of measured) {
        const day = digestInChild(location[store], dayStart, dayStart + DAY);
        const labels = { store, events: written };
        const how = copied ? `${measured.length > 1 ? 'stores together, ' : ''}${num(copied / 1e6, 1)}M copied` : measured.length > 1 ? 'stores together' : '';
        figures.push(
          { metric: 'one_day_digest', value: round(day.ms), unit: 'ms', labels },
          { metric: 'one_day_digest_warm', value: round(day.warmMs), unit: 'ms', labels },
          { metric: 'one_day_digest_peak_rss', value: round(day.maxRssMb), unit: 'MB', labels },
          { metric: 'one_day_digest_events_in_day', value: day.events, unit: 'count', labels },
          { metric: 'bulk_write_rate', value: Math.round(writeRate), unit: 'events/s', labels: { ...labels, written: copied ? 'copied, then generated' : measured.length > 1 ? 'generated, stores together' : 'generated' } },
        );
        let verify = '–';
        let exported = '–';
        if (size === sizes.cliAt) {
          const v = cliRun(location[store], ['verify'], join(dir, 'verify.txt'));
          const e = cliRun(location[store], ['export', '--format', 'jsonl'], join(dir, 'export.jsonl'));
          rmSync(join(dir, 'export.jsonl'), { force: true });
          verify = `${num(v.ms / 1000, 1)} s / ${num(v.maxRssMb, 0)} MB`;
          exported = `${num(e.ms / 1000, 1)} s / ${num(e.maxRssMb, 0)} MB (${num(e.outMb, 0)} MB out)`;
          figures.push(
            { metric: 'audit_verify', value: round(v.ms), unit: 'ms', labels },
            { metric: 'audit_export_jsonl', value: round(e.ms), unit: 'ms', labels },
            ...(v.maxRssMb === null ? [] : [{ metric: 'audit_verify_peak_rss', value: round(v.maxRssMb), unit: 'MB' as const, labels }]),
            ...(e.maxRssMb === null ? [] : [{ metric: 'audit_export_peak_rss', value: round(e.maxRssMb), unit: 'MB' as const, labels }]),
          );
        }
        const spanDays = Math.ceil((lastAt - START) / DAY);
        rows[store].push([
          store === 'sqlite' ? 'SQLite' : 'PostgreSQL',
          written.toLocaleString('en'),
          `${spanDays.toLocaleString('en')} d`,
          `${num(writeRate, 0)}${how ? ` (${how})` : ''}`,
          day.events.toLocaleString('en'),
          `${num(day.ms, 0)}${day.ms <= DIGEST_TARGET_MS ? ' ✓' : ' ✗'}`,
          num(day.warmMs, 0),
          num(day.maxRssMb, 0),
          verify,
          exported,
        ]);
      }
      // A store past its largest size stops being written, and PostgreSQL's database goes (no server work, such
      // as autovacuum of the loaded table, competing with the SQLite sizes after it).
      for (const store of stores) {
        if (Math.max(...sizes[store]) !== size) continue;
        await writer.release(store);
        if (store === 'postgres') await drop();
      }
    }
  } finally {
    await writer?.close();
    await drop();
    await removeDir();
  }
  notes.push(
    `one-day digest: the last whole day of a log with ~${EVENTS_PER_DAY.toLocaleString('en')} events a day (a bigger log is a longer history), built in a fresh process: the first (cold) build is the figure, target ≤ ${DIGEST_TARGET_MS} ms at the largest size (✓ met, ✗ missed); "again" is the same day rebuilt in that process.`,
  );
  notes.push(
    'write events/s: the bulk append (hash chain computed by the writer) for the rows added since the size before: one log grows through the sizes. Where both stores were written, each batch was generated once and appended to both (PostgreSQL inserting while SQLite appends), so the rate is the pair\'s.',
  );
  if (Math.max(...sizes.sqlite) > sizes.generatedUpTo)
    notes.push(
      `above ${sizes.generatedUpTo.toLocaleString('en')} events the log is filled, not generated: copies of the first ${sizes.generatedUpTo.toLocaleString('en')} rows made inside the database, moved forward in time and ids (same text, size and index keys; they keep their originals' hashes, so the chain does not verify across them), then ${TAIL_ROWS.toLocaleString('en')} generated, chained rows that continue the last copy — the day the digest builds and everything it reads are generated rows in a log of the full size. verify/export run on the generated ${sizes.cliAt.toLocaleString('en')}.`,
    );
  if (mode === 'full' && !sizes.postgres.includes(Math.max(...sizes.sqlite)) && sizes.postgres.length) notes.push(`PostgreSQL stops at ${Math.max(...sizes.postgres).toLocaleString('en')} events: writing ${Math.max(...sizes.sqlite).toLocaleString('en')} rows there would take most of the run's time budget.`);
  notes.push(`audit verify / export (jsonl): whole process of the compiled CLI over ${sizes.cliAt.toLocaleString('en')} events, wall time / peak RSS.`);
  return {
    id: 'log-scale',
    title: 'Scale of the audit log',
    header: ['store', 'events', 'history', 'write events/s', 'events that day', 'one-day digest ms', 'again ms', 'digest peak RSS MB', 'audit verify', 'audit export'],
    rows: [...rows.sqlite, ...rows.postgres],
    figures,
    notes,
  };
}

if (process.argv[2] === '--measure') await measureDigest(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
else await runIfMain(import.meta.url, bench);
