/**
 * A big, realistic audit log for the log-scale benchmark: request/grant lifecycles at a steady daily rate from
 * START, interleaved in time, appended with a valid hash chain (and the chain head anchor) through the store
 * port's bulk append. Seeded, so every run writes the same log; and a log grows in place (10k → 100k → …): the
 * log of N events is exactly the first N events of any bigger one, so each size is measured on a real log of
 * that size without writing the smaller ones again.
 */
import { openStore, type OpenStoreOptions } from '../../db/store/open.ts';
import type { AuditRow, Store, UnitOfWork } from '../../db/store/port.ts';
import { AUDIT_HEAD_KEY, GENESIS_HASH, hashRow } from '../../src/audit/chain.ts';
import { asRequestId } from '../../src/domain/request-id.ts';

export const DAY = 86_400_000;
export const START = Date.UTC(2025, 0, 1, 0, 0, 0);
/** Events per request lifecycle, on average (lifecycle() below). */
const EVENTS_PER_REQUEST = 6.3;

type Event = Omit<AuditRow, 'seq' | 'prevHash' | 'hash'>;
interface Pending {
  at: number;
  order: number;
  event: Event;
}

/** Rows appended per unit of work: big transactions, few commits (the store splits them into statements). */
const BATCH = 50_000;

export class AuditLogWriter {
  private readonly random = mulberry32(42);
  private readonly heap = new MinHeap();
  private readonly meanGapMs: number;
  private order = 0;
  private seq = 0;
  private prevHash = GENESIS_HASH;
  private requestId = 0;
  private nextRequestAt = START;
  private lastAt = START;

  private constructor(
    private readonly store: Store,
    eventsPerDay: number,
  ) {
    this.meanGapMs = DAY / (eventsPerDay / EVENTS_PER_REQUEST);
  }

  /** A writer appending to the (empty, migrated on open) store at `where`, at about `eventsPerDay`. */
  static async open(where: OpenStoreOptions, eventsPerDay: number): Promise<AuditLogWriter> {
    return new AuditLogWriter(await openStore(where), eventsPerDay);
  }

  get written(): number {
    return this.seq;
  }

  /** Appends events until the log holds `target`; the head anchor is written with the last batch. */
  async growTo(target: number): Promise<{ written: number; lastAt: number }> {
    const batch: AuditRow[] = [];
    // One batch is appended while the next is generated: on PostgreSQL the server inserts while this process
    // hashes (SQLite's driver is synchronous, so there they simply take turns).
    let appending: Promise<void> = Promise.resolve();
    while (this.seq < target) {
      // Emit everything due before the next request is filed, in time order.
      while (this.heap.size > 0 && this.heap.peek()!.at <= this.nextRequestAt && this.seq < target) batch.push(this.next(this.heap.pop()!.event));
      if (batch.length >= BATCH) {
        await appending;
        appending = this.flush(batch.splice(0));
      }
      if (this.seq >= target) break;
      this.requestId++;
      for (const event of lifecycle(this.requestId, this.nextRequestAt, this.random)) this.heap.push({ at: event.at, order: this.order++, event });
      this.nextRequestAt += Math.max(1_000, Math.round(-Math.log(1 - this.random()) * this.meanGapMs));
    }
    await appending;
    const head = JSON.stringify({ seq: this.seq, hash: this.prevHash });
    await this.flush(batch, (uow) => uow.kvPut(AUDIT_HEAD_KEY, head, Date.now()));
    return { written: this.seq, lastAt: this.lastAt };
  }

  close(): Promise<void> {
    return this.store.close();
  }

  /** The event as the next row of the chain (one object per row: this runs ten million times). */
  private next(event: Event): AuditRow {
    // Whole milliseconds: `at` is an integer column (PostgreSQL refuses a fraction; SQLite would keep a REAL).
    const at = Math.round(event.at);
    const row: AuditRow = { seq: ++this.seq, at, actor: event.actor, action: event.action, requestId: event.requestId, grantId: event.grantId, fromStatus: event.fromStatus, toStatus: event.toStatus, details: event.details, prevHash: this.prevHash, hash: '' };
    row.hash = hashRow(row);
    this.prevHash = row.hash;
    this.lastAt = at;
    return row;
  }

  /** Append `rows` in one unit of work (then `also`, e.g. the head anchor, in the same one). */
  private flush(rows: readonly AuditRow[], also?: (uow: UnitOfWork) => Promise<void>): Promise<void> {
    return this.store.tx(async (uow) => {
      await uow.insertAuditRows(rows);
      await also?.(uow);
    });
  }
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

