/**
 * The digest over a big audit log: writes N (default 100,000) hash-chained audit events — a year of realistic
 * request/grant lifecycles — through the store port (5,000 rows per unit of work) into each store: a temporary
 * SQLite file, and a fresh PostgreSQL database (dropped afterwards; skipped with a line saying so when no server
 * answers). Then times `buildDigest` over one day and over the whole year, each in a fresh process so its peak
 * RSS is its own, and prints the stores side by side. Prints; never asserts.
 *
 *   npm run bench -- digest                            # 100,000 events on each store
 *   npx tsx bench/digest.ts 1000000                    # more (or ACCESSBOT_BENCH_DIGEST_EVENTS=1000000)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type OpenStoreOptions } from '../db/store/open.ts';
import type { AuditRow, Store, UnitOfWork } from '../db/store/port.ts';
import type { RequestId } from '../src/domain/request-id.ts';
import { AUDIT_HEAD_KEY, GENESIS_HASH, hashRow } from '../src/audit/chain.ts';
import { buildDigest } from '../src/audit/digest.ts';
import { formatDigest } from '../src/audit/digest-format.ts';
import { onInterrupt } from './lib/cleanup.ts';
import { BENCH_PG_URL, freshPostgresDatabase, postgresSkipReason, shownUrl } from './lib/postgres.ts';
import { num, printTable, ratio } from './lib/stats.ts';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1, 0, 0, 0);
const SPAN_DAYS = 365;
const TIMEZONE = 'Europe/Berlin';
const ONE_DAY = START + 200 * DAY;

/** A store to measure: where it is (for the child process) and how big it is on disk. */
interface Target {
  label: string;
  /** `sqlite:<path>` or a postgres:// URL, as the measuring child gets it. */
  location: string;
  sizeBytes(): Promise<number>;
}

const optionsFor = (location: string): OpenStoreOptions => (location.startsWith('sqlite:') ? { sqlitePath: location.slice('sqlite:'.length) } : { databaseUrl: location });

interface StoreFigures {
  label: string;
  written: number;
  days: number;
  seconds: number;
  sizeMb: number;
  day: Measured;
  whole: Measured;
}

async function main(target: number): Promise<void> {
  const pgSkip = await postgresSkipReason();
  console.log(`Digest over a hash-chained audit log of ${target.toLocaleString('en')} events (a year of request/grant lifecycles), written through the store port; each digest built in its own process.`);
  console.log(pgSkip ?? `PostgreSQL: ${shownUrl(BENCH_PG_URL)}, a fresh database.`);
  const figures: StoreFigures[] = [];

  const dir = mkdtempSync(join(tmpdir(), 'accessbot-bench-digest-'));
  const removeDir = onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const path = join(dir, 'audit.db');
    figures.push(await measureStore(target, { label: 'SQLite', location: `sqlite:${path}`, sizeBytes: async () => statSync(path).size }));
  } finally {
    await removeDir();
  }
  if (!pgSkip) {
    const database = await freshPostgresDatabase();
    const drop = onInterrupt(() => database.drop());
    try {
      figures.push(await measureStore(target, { label: 'PostgreSQL', location: database.url, sizeBytes: () => database.sizeBytes() }));
    } finally {
      await drop();
    }
  }

  const [a, b] = figures;
  const col = (f: StoreFigures | undefined, pick: (f: StoreFigures) => string) => (f ? pick(f) : '–');
  const row = (label: string, pick: (f: StoreFigures) => string, ratioOf?: (f: StoreFigures) => number) => [
    label,
    col(a, pick),
    col(b, pick),
    ratioOf && a && b ? ratio(ratioOf(a), ratioOf(b)) : '',
  ];
  printTable(
    ['', 'SQLite', 'PostgreSQL', 'PG/SQLite'],
    [
      row('events written', (f) => f.written.toLocaleString('en')),
      row('write rate, events/s', (f) => num(f.written / f.seconds, 0), (f) => f.written / f.seconds),
      row('size on disk, MB', (f) => num(f.sizeMb, 0), (f) => f.sizeMb),
      row('one day (24 h): digest ms', (f) => num(f.day.ms, 0), (f) => f.day.ms),
      row('one day: peak RSS MB (before building)', (f) => `${num(f.day.maxRssMb, 0)} (${num(f.day.baseRssMb, 0)})`, (f) => f.day.maxRssMb),
      row('one day: events in window / grants held / alerts', (f) => `${f.day.events.toLocaleString('en')} / ${f.day.held.toLocaleString('en')} / ${f.day.alerts}`),
      row('whole log: digest ms', (f) => num(f.whole.ms, 0), (f) => f.whole.ms),
      row('whole log: peak RSS MB (before building)', (f) => `${num(f.whole.maxRssMb, 0)} (${num(f.whole.baseRssMb, 0)})`, (f) => f.whole.maxRssMb),
      row('whole log: events / days', (f) => `${f.whole.events.toLocaleString('en')} / ${f.days}`),
      row('whole log: markdown chars, longest section', (f) => `${f.whole.markdownChars.toLocaleString('en')}, ${f.whole.longestSection.toLocaleString('en')}`),
    ],
  );
}

async function measureStore(target: number, store: Target): Promise<StoreFigures> {
  const started = performance.now();
  const { written, lastAt } = await generate(optionsFor(store.location), target);
  const seconds = (performance.now() - started) / 1000;
  const sizeMb = (await store.sizeBytes()) / 1e6;
  return {
    label: store.label,
    written,
    days: Math.round((lastAt - START) / DAY),
    seconds,
    sizeMb,
    day: run(`${store.label}, one day`, store.location, ONE_DAY, ONE_DAY + DAY),
    whole: run(`${store.label}, whole log`, store.location, START, lastAt + 1),
  };
}

function run(label: string, location: string, since: number, until: number): Measured {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, '--measure', location, String(since), String(until)], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`measuring ${label} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Measured;
}

interface Measured {
  ms: number;
  events: number;
  held: number;
  alerts: number;
  maxRssMb: number;
  baseRssMb: number;
  markdownChars: number;
  longestSection: number;
}

async function measure(location: string, since: number, until: number): Promise<void> {
  const store = await openStore({ ...optionsFor(location), migrate: false });
  const baseRssMb = process.memoryUsage().rss / 1e6;
  const started = performance.now();
  const digest = await buildDigest(store, { since, until, timezone: TIMEZONE, label: 'bench' });
  const ms = performance.now() - started;
  const markdown = formatDigest(digest, 'markdown');
  await store.close();
  const measured: Measured = {
    ms,
    events: digest.totals.events,
    held: digest.totals.grants.held,
    alerts: digest.totals.alerts,
    maxRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6,
    baseRssMb,
    markdownChars: markdown.length,
    longestSection: Math.max(...markdown.split('\n\n').map((s) => s.length)),
  };
  console.log(JSON.stringify(measured));
}

// ---- generation: request lifecycles interleaved in time through a small heap, appended with a valid chain ----

type Event = Omit<AuditRow, 'seq' | 'prevHash' | 'hash'>;
interface Pending {
  at: number;
  order: number;
  event: Event;
}

/** Rows appended per unit of work. */
const BATCH = 5_000;

async function generate(where: OpenStoreOptions, target: number): Promise<{ written: number; lastAt: number }> {
  const store = await openStore(where);
  const random = mulberry32(42);
  const heap = new MinHeap();
  const meanGapMs = (SPAN_DAYS * DAY) / (target / 6.3);
  let order = 0;
  let seq = 0;
  let prevHash = GENESIS_HASH;
  let requestId = 0;
  let nextRequestAt = START;
  let lastAt = START;
  const batch: AuditRow[] = [];
  const write = (raw: Event): void => {
    // Whole milliseconds: `at` is an integer column (PostgreSQL refuses a fraction; SQLite would keep a REAL).
    const event = { ...raw, at: Math.round(raw.at) };
    seq++;
    lastAt = event.at;
    const base = { seq, ...event, prevHash };
    const row: AuditRow = { ...base, hash: hashRow(base) };
    batch.push(row);
    prevHash = row.hash;
  };
  try {
    while (seq < target) {
      // Emit everything due before the next request is filed, in time order.
      while (heap.size > 0 && heap.peek()!.at <= nextRequestAt && seq < target) write(heap.pop()!.event);
      if (batch.length >= BATCH) await flush(store, batch.splice(0));
      if (seq >= target) break;
      requestId++;
      for (const event of lifecycle(requestId, nextRequestAt, random)) heap.push({ at: event.at, order: order++, event });
      nextRequestAt += Math.max(1_000, Math.round(-Math.log(1 - random()) * meanGapMs));
    }
    const head = JSON.stringify({ seq, hash: prevHash });
    await flush(store, batch, (uow) => uow.kvPut(AUDIT_HEAD_KEY, head, Date.now()));
  } finally {
    await store.close();
  }
  return { written: seq, lastAt };
}

/** Append `rows` in one unit of work (then `also`, e.g. the head anchor, in the same one). */
function flush(store: Store, rows: readonly AuditRow[], also?: (uow: UnitOfWork) => Promise<void>): Promise<void> {
  return store.tx(async (uow) => {
    for (const row of rows) await uow.insertAuditRow(row);
    await also?.(uow);
  });
}

const ROLES = [
  { role: 'readonly', resource: 'orders-db' },
  { role: 'writer', resource: 'orders-db' },
  { role: 'deploy', resource: 'deploy-hook' },
  { role: 'breakglass', resource: 'orders-db' },
];
const REASONS = ['checking INC-123', 'debugging a slow query', 'release 42', 'customer escalation', 'data fix for a refund', 'on-call investigation'];

function lifecycle(id: number, t: number, random: () => number): Event[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const requester = `user${Math.floor(random() * 200)}@example.com`;
  const approver = `approver${Math.floor(random() * 20)}@example.com`;
  const roll = random();
  const kind = roll < 0.6 ? 'approved' : roll < 0.85 ? 'auto' : roll < 0.95 ? 'denied' : roll < 0.98 ? 'break_glass' : 'failed';
  const { role, resource } = kind === 'break_glass' ? ROLES[3]! : pick(ROLES.slice(0, 3));
  const durationMs = kind === 'auto' ? pick([5, 10, 15]) * 60_000 : pick([15, 30, 60, 120, 240]) * 60_000;
  const grantId = `g${id.toString(36).padStart(11, '0')}`;
  const reason = pick(REASONS);
  const event = (at: number, actor: string, action: string, details: Record<string, unknown>, extra: Partial<Event> = {}): Event => ({
    at,
    actor,
    action,
    requestId: id as RequestId,
    grantId: null,
    fromStatus: null,
    toStatus: null,
    details: JSON.stringify(details),
    ...extra,
  });
  const events: Event[] = [
    event(t, requester, 'request.created', { role, resource, duration: `${durationMs / 60_000}m`, reason, ticket: random() < 0.3 ? `INC-${id}` : null, break_glass: kind === 'break_glass', approvals_required: 1, origin: 'slack' }, { toStatus: 'pending' }),
  ];
  let at = t;
  if (kind === 'denied') {
    at += 60_000 + random() * 20 * 60_000;
    events.push(event(at, approver, 'review.denied', { note: 'not now' }), event(at, approver, 'request.denied', { note: 'not now' }, { fromStatus: 'pending', toStatus: 'denied' }));
    return events;
  }
  if (kind === 'approved') {
    at += 30_000 + random() * 20 * 60_000;
    events.push(event(at, approver, 'review.approved', { note: null }), event(at, approver, 'request.approved', { note: null }, { fromStatus: 'pending', toStatus: 'approved' }));
  } else {
    events.push(event(at, kind === 'break_glass' ? requester : 'system', kind === 'break_glass' ? 'request.break_glass' : 'request.auto_approved', {}, { fromStatus: 'pending', toStatus: 'approved' }));
  }
  const expiresAt = at + durationMs;
  const g = { grantId };
  events.push(event(at, 'system', 'grant.created', { role, resource, starts_at: new Date(at).toISOString(), expires_at: new Date(expiresAt).toISOString() }, { ...g, toStatus: 'granting' }));
  if (kind === 'failed') {
    events.push(
      event(at + 2_000, 'system', 'grant.attempt_failed', { attempt: 1, error: 'connection refused' }, g),
      event(at + 10_000, 'system', 'grant.failed', { attempts: 2, error: 'connection refused' }, { ...g, fromStatus: 'granting', toStatus: 'failed' }),
    );
    return events;
  }
  const activeAt = at + 500 + random() * 2_000;
  events.push(event(activeAt, 'system', 'grant.active', { user: `ab_${grantId}`, credentials_issued: false, expires_at: new Date(expiresAt).toISOString(), attempts: 1 }, { ...g, fromStatus: 'granting', toStatus: 'active' }));
  if (random() < 0.15) {
    const revokeAt = activeAt + random() * (expiresAt - activeAt);
    events.push(
      event(revokeAt, requester, 'grant.revoke_requested', { reason: 'revoked early', expires_at: new Date(expiresAt).toISOString() }, { ...g, fromStatus: 'active', toStatus: 'revoking' }),
      event(revokeAt + 400, 'system', 'grant.revoked', { reason: 'revoked early', attempts: 1 }, { ...g, fromStatus: 'revoking', toStatus: 'revoked' }),
    );
    return events;
  }
  const noticedAt = expiresAt + (random() < 0.01 ? 10_000 + random() * 60_000 : random() * 1_000);
  events.push(event(noticedAt, 'system', 'grant.expired', { reason: 'expired', expires_at: new Date(expiresAt).toISOString() }, { ...g, fromStatus: 'active', toStatus: 'revoking' }));
  let revokedAt = noticedAt + 300;
  if (random() < 0.005) {
    events.push(event(revokedAt, 'system', 'grant.revoke_failed', { attempt: 1, error: 'timeout', will_retry: true }, g));
    revokedAt += 30_000;
  }
  const lateMs = Math.round(revokedAt - expiresAt);
  events.push(event(revokedAt, 'system', 'grant.revoked', { reason: 'expired', late_ms: lateMs, late: lateMs > 5_000, attempts: 1 }, { ...g, fromStatus: 'revoking', toStatus: 'revoked' }));
  return events;
}

class MinHeap {
  private readonly items: Pending[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Pending | undefined {
    return this.items[0];
  }
  push(item: Pending): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!less(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }
  pop(): Pending | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Pending, b: Pending): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}

/** Small seeded PRNG so every run writes the same log. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

if (process.argv[2] === '--measure') {
  await measure(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
} else {
  await main(Number(process.argv[2] ?? process.env.ACCESSBOT_BENCH_DIGEST_EVENTS ?? 100_000));
}
