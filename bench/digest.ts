/**
 * The digest over a big audit log: writes N (default 1,000,000) hash-chained audit events — a year of realistic
 * request/grant lifecycles — into a temporary SQLite file, then times `buildDigest` over one day and over the
 * whole year, each in a fresh process so its peak RSS is its own. Prints; never asserts.
 *
 *   npm run bench -- digest            # 1,000,000 events
 *   npx tsx bench/digest.ts 200000     # fewer
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../db/client.ts';
import { AUDIT_HEAD_KEY, GENESIS_HASH, hashRow, type AuditRow } from '../src/audit/chain.ts';
import { buildDigest } from '../src/audit/digest.ts';
import { formatDigest } from '../src/audit/digest-format.ts';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1, 0, 0, 0);
const SPAN_DAYS = 365;
const TIMEZONE = 'Europe/Berlin';

function main(target: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'accessbot-bench-digest-'));
  const path = join(dir, 'audit.db');
  try {
    const started = performance.now();
    const { written, lastAt } = generate(path, target);
    const seconds = (performance.now() - started) / 1000;
    const sizeMb = statSync(path).size / 1e6;
    console.log(`generated ${written.toLocaleString('en')} audit events over ${Math.round((lastAt - START) / DAY)} days in ${seconds.toFixed(1)} s (${Math.round(written / seconds).toLocaleString('en')}/s), file ${sizeMb.toFixed(0)} MB`);
    const day = START + 200 * DAY;
    run('one day (24 h)', path, day, day + DAY);
    run(`whole log (${Math.round((lastAt - START) / DAY)} days)`, path, START, lastAt + 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(label: string, path: string, since: number, until: number): void {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, '--measure', path, String(since), String(until)], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`measuring ${label} failed: ${child.stderr}`);
  const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Measured;
  console.log(
    `digest ${label}: ${r.ms.toFixed(0)} ms for ${r.events.toLocaleString('en')} events in the window (${r.held.toLocaleString('en')} grants held, ${r.alerts} alerts); ` +
      `peak RSS ${r.maxRssMb.toFixed(0)} MB (${r.baseRssMb.toFixed(0)} MB before building); markdown ${r.markdownChars.toLocaleString('en')} chars, longest section ${r.longestSection.toLocaleString('en')}`,
  );
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

function measure(path: string, since: number, until: number): void {
  const db = openDatabase(path, { migrate: false });
  const baseRssMb = process.memoryUsage().rss / 1e6;
  const started = performance.now();
  const digest = buildDigest(db, { since, until, timezone: TIMEZONE, label: 'bench' });
  const ms = performance.now() - started;
  const markdown = formatDigest(digest, 'markdown');
  db.close();
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

function generate(path: string, target: number): { written: number; lastAt: number } {
  const db = openDatabase(path);
  db.sqlite.pragma('synchronous = OFF');
  const insert = db.sqlite.prepare(
    'INSERT INTO audit_events (seq, at, actor, action, request_id, grant_id, from_status, to_status, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const random = mulberry32(42);
  const heap = new MinHeap();
  const meanGapMs = (SPAN_DAYS * DAY) / (target / 6.3);
  let order = 0;
  let seq = 0;
  let prevHash = GENESIS_HASH;
  let requestId = 0;
  let nextRequestAt = START;
  let lastAt = START;
  const write = (event: Event): void => {
    seq++;
    lastAt = event.at;
    const base = { seq, ...event, prevHash };
    const hash = hashRow(base);
    insert.run(seq, event.at, event.actor, event.action, event.requestId, event.grantId, event.fromStatus, event.toStatus, event.details, prevHash, hash);
    prevHash = hash;
  };
  db.sqlite.transaction(() => {
    while (seq < target) {
      // Emit everything due before the next request is filed, in time order.
      while (heap.size > 0 && heap.peek()!.at <= nextRequestAt && seq < target) write(heap.pop()!.event);
      if (seq >= target) break;
      requestId++;
      for (const event of lifecycle(requestId, nextRequestAt, random)) heap.push({ at: event.at, order: order++, event });
      nextRequestAt += Math.max(1_000, Math.round(-Math.log(1 - random()) * meanGapMs));
    }
    db.sqlite.prepare('INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(AUDIT_HEAD_KEY, JSON.stringify({ seq, hash: prevHash }), Date.now());
  })();
  db.close();
  return { written: seq, lastAt };
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
    requestId: id,
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
  return events.map((e) => ({ ...e, at: Math.round(e.at) }));
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
  measure(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
} else {
  main(Number(process.argv[2] ?? 1_000_000));
}
