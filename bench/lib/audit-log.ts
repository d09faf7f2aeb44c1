/**
 * A big, realistic audit log for the log-scale benchmark: request/grant lifecycles at a steady daily rate from
 * START, interleaved in time, appended with a valid hash chain (and the chain head anchor) through the store
 * port's bulk append — to one store or several at once (each batch is generated and hashed once and appended to
 * every store; PostgreSQL's server inserts while this process goes on). Seeded, so every run writes the same log;
 * and a log grows in place (10k → 100k → …): the log of N events is exactly the first N events of any bigger
 * one, so each size is measured on a real log of that size without writing the smaller ones again.
 *
 * Past the part that must verify, `fillTo` makes the rest of a very big log quickly: copies of the log so far,
 * moved forward in time and ids, made inside the database (`openAuditFiller`, on its own connection: the store port has no such write), then a generated tail.
 * The copies have the real rows' text, size and index keys; they keep the originals' hashes, so the chain does
 * not verify across them (nothing measured verifies there). The tail continues the last copy exactly (the
 * generator's own next rows, moved like that copy, chained from its last hash), so the days a digest reads at
 * the end of the log are generated rows with the lifecycles running across into them.
 */
import { openAuditFiller, type AuditFiller } from '../../db/store/bench-audit-filler.ts';
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
/** Rows copied per unit of work by `fillTo`. */
const COPY_BATCH = 250_000;

/** How a copy's rows are moved (and `fillTo`'s tail, which continues the last copy). */
interface Shift {
  at: number;
  requestId: number;
  grantIdPrefix: string;
}

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
  private filled = false;

  private constructor(
    private readonly stores: Map<string, Store>,
    private readonly where: Record<string, OpenStoreOptions>,
    eventsPerDay: number,
  ) {
    this.meanGapMs = DAY / (eventsPerDay / EVENTS_PER_REQUEST);
  }

  /** A writer appending the same log to each (empty, migrated on open) store, named, at about `eventsPerDay`. */
  static async open(where: Record<string, OpenStoreOptions>, eventsPerDay: number): Promise<AuditLogWriter> {
    const stores = new Map<string, Store>();
    try {
      for (const [name, options] of Object.entries(where)) stores.set(name, await openStore(options));
    } catch (error) {
      for (const store of stores.values()) await store.close();
      throw error;
    }
    return new AuditLogWriter(stores, where, eventsPerDay);
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

  /**
   * Grows the log to `target` with filler, once: copies of the `written` rows so far (the first one shortened
   * to fit), each moved past the one before by whole days, in ids and under a grant-id prefix of its own
   * ("3:g…"), copied inside the database; then `tailRows` generated rows that continue the last copy (see
   * the file's comment). Everything before stays as it was: the first `written` rows still verify.
   */
  async fillTo(target: number, tailRows: number): Promise<{ written: number; lastAt: number; copied: number }> {
    if (this.filled) throw new Error('fillTo runs once');
    this.filled = true;
    const source = this.seq;
    const toCopy = target - tailRows - source;
    if (source === 0 || toCopy <= 0) return { ...(await this.growTo(target)), copied: 0 };
    // Request ids in the rows so far are at most this (lifecycles still pending included).
    const idsPerCopy = this.requestId;
    const blocks = [...(toCopy % source ? [toCopy % source] : []), ...Array<number>(Math.floor(toCopy / source)).fill(source)];
    let shift: Shift;
    const fillers: AuditFiller[] = [];
    try {
      for (const name of this.stores.keys()) fillers.push(await openAuditFiller(this.where[name]!));
      shift = await this.copyBlocks(blocks, idsPerCopy, fillers);
    } finally {
      for (const filler of fillers) await filler.close();
    }
    if (blocks.at(-1) !== source) {
      // The last copy is shortened (the tail is most of the fill): the tail goes on from the day after it, its
      // pending lifecycles under ids no copy has.
      shift = { at: (Math.floor((this.lastAt - START) / DAY) + 1) * DAY, requestId: (blocks.length + 1) * idsPerCopy, grantIdPrefix: `${blocks.length + 1}:` };
    }
    // A whole last copy ends with the generator's last row, hash included: its next rows continue the copy.
    // Lifecycles under way are moved like it (their details keep their text, as in the copies); new ones start
    // at moved times, so their details' dates are their own, and under moved ids (grant ids follow).
    const moved = shift;
    this.heap.forEach((pending) => {
      pending.at += moved.at;
      const { event } = pending;
      pending.event = { ...event, at: event.at + moved.at, requestId: event.requestId === null ? null : asRequestId(event.requestId + moved.requestId), grantId: event.grantId === null ? null : moved.grantIdPrefix + event.grantId };
    });
    this.nextRequestAt += moved.at;
    this.requestId += moved.requestId;
    return { ...(await this.growTo(target)), copied: toCopy };
  }

  /** Copies the log so far block by block, each moved past the one before by whole days; the last copy's shift. */
  private async copyBlocks(blocks: readonly number[], idsPerCopy: number, fillers: readonly AuditFiller[]): Promise<Shift> {
    let shift: Shift = { at: 0, requestId: 0, grantIdPrefix: '' };
    for (const [index, rows] of blocks.entries()) {
      const copy = index + 1;
      // From the day after the log's last event, so a copy starts later than everything before it.
      shift = { at: (Math.floor((this.lastAt - START) / DAY) + 1) * DAY, requestId: copy * idsPerCopy, grantIdPrefix: `${copy}:` };
      const seqShift = this.seq;
      for (let fromSeq = 1; fromSeq <= rows; fromSeq += COPY_BATCH) {
        const range = { fromSeq, toSeq: Math.min(rows, fromSeq + COPY_BATCH - 1) };
        await Promise.all(fillers.map((filler) => filler.copy(range, { seq: seqShift, ...shift })));
      }
      this.seq += rows;
      const last = await this.firstStore().chainHeadBefore(Number.MAX_SAFE_INTEGER);
      if (!last || last.seq !== this.seq) throw new Error(`copy ${copy} ended at ${last?.seq}, not ${this.seq}`);
      this.lastAt = last.at;
      this.prevHash = last.hash;
    }
    return shift;
  }

  /** Stops writing to `name` and closes it (the other stores grow on). */
  async release(name: string): Promise<void> {
    const store = this.stores.get(name);
    this.stores.delete(name);
    await store?.close();
  }

  async close(): Promise<void> {
    for (const name of [...this.stores.keys()]) await this.release(name);
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

  /** Append `rows` in one unit of work per store (then `also`, e.g. the head anchor, in the same one). */
  private flush(rows: readonly AuditRow[], also?: (uow: UnitOfWork) => Promise<void>): Promise<void> {
    return this.eachStore((store) =>
      store.tx(async (uow) => {
        await uow.insertAuditRows(rows);
        await also?.(uow);
      }),
    );
  }

  private async eachStore(work: (store: Store) => Promise<unknown>): Promise<void> {
    await Promise.all([...this.stores.values()].map(work));
  }

  private firstStore(): Store {
    const store = this.stores.values().next().value;
    if (!store) throw new Error('no store to write to');
    return store;
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
  /** Changes every item in place; only a change that keeps their order (the same shift for all). */
  forEach(change: (item: Pending) => void): void {
    this.items.forEach(change);
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

