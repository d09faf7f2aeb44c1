/**
 * A big, realistic audit log for the log-scale benchmark: request/grant lifecycles over a year, interleaved in
 * time, appended with a valid hash chain (and the chain head anchor) through the store port's bulk append —
 * many rows per statement, 10,000 per unit of work. Seeded, so every run writes the same log.
 */
import { openStore, type OpenStoreOptions } from '../../db/store/open.ts';
import type { AuditRow, Store, UnitOfWork } from '../../db/store/port.ts';
import { AUDIT_HEAD_KEY, GENESIS_HASH, hashRow } from '../../src/audit/chain.ts';
import { asRequestId } from '../../src/domain/request-id.ts';

export const DAY = 86_400_000;
export const START = Date.UTC(2025, 0, 1, 0, 0, 0);
const SPAN_DAYS = 365;

type Event = Omit<AuditRow, 'seq' | 'prevHash' | 'hash'>;
interface Pending {
  at: number;
  order: number;
  event: Event;
}

/** Rows appended per unit of work. */
const BATCH = 10_000;

/** Writes `target` hash-chained events (a year of request lifecycles from START) into the store at `where`. */
export async function generateAuditLog(where: OpenStoreOptions, target: number, spanDays = SPAN_DAYS): Promise<{ written: number; lastAt: number }> {
  const store = await openStore(where);
  const random = mulberry32(42);
  const heap = new MinHeap();
  const meanGapMs = (spanDays * DAY) / (target / 6.3);
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
    await uow.insertAuditRows(rows);
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
    requestId: asRequestId(id),
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

