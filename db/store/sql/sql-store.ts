/**
 * The Store both engines share: reads go to the engine's shared session, writes run in the engine's
 * serialised transaction. Using the store (rather than the unit of work) inside its own transaction is a bug
 * that would deadlock (SQLite: one connection; PostgreSQL: a pool starved by writers waiting on the lock), so
 * it is caught and named.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditRange, Store, StoreKind, UnitOfWork } from '../port.ts';
import type { AuditRow, GrantExpect, GrantPatch, GrantRecord, OutboxExpect, OutboxPatch, OutboxRecord, PersonIds } from '../records.ts';
import { SqlRepository } from './repository.ts';
import type { SqlSession } from './session.ts';
import type { RequestId } from '../../../src/domain/request-id.ts';

/** What an engine provides: a session for reads, a serialised transaction for writes, and its lifecycle. */
export interface Engine {
  readonly kind: StoreKind;
  readonly location: string;
  /** Reads outside a transaction (may queue behind a writer on SQLite). */
  read<T>(use: (session: SqlSession) => Promise<T>): Promise<T>;
  /** One self-contained write statement that needs no serialisation with other writers (autocommit). */
  write<T>(use: (session: SqlSession) => Promise<T>): Promise<T>;
  transaction<T>(use: (session: SqlSession) => Promise<T>): Promise<T>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

interface TxMark {
  active: boolean;
}

const inTransaction = new AsyncLocalStorage<TxMark>();

export class SqlStore implements Store {
  private closed = false;

  constructor(private readonly engine: Engine) {}

  get kind(): StoreKind {
    return this.engine.kind;
  }

  get location(): string {
    return this.engine.location;
  }

  get open(): boolean {
    return !this.closed;
  }

  async tx<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    this.guard('tx');
    const mark: TxMark = { active: true };
    try {
      return await this.engine.transaction((session) => inTransaction.run(mark, () => fn(new SqlRepository(session))));
    } finally {
      mark.active = false;
    }
  }

  setGrantIf(id: string, expect: GrantExpect, patch: GrantPatch): Promise<GrantRecord | null> {
    this.guard('setGrantIf');
    return this.engine.write((session) => new SqlRepository(session).updateGrant(id, expect, patch));
  }

  setNoticeIf(id: number, expect: OutboxExpect, patch: OutboxPatch): Promise<OutboxRecord | null> {
    this.guard('setNoticeIf');
    return this.engine.write((session) => new SqlRepository(session).updateNotice(id, expect, patch));
  }

  claimKey(key: string, value: string, now: number): Promise<boolean> {
    this.guard('claimKey');
    return this.engine.write((session) => new SqlRepository(session).kvInsertIfAbsent(key, value, now));
  }

  kvSetIf(key: string, expected: string | null, value: string, now: number): Promise<boolean> {
    this.guard('kvSetIf');
    return this.engine.write((session) => new SqlRepository(session).kvSetIf(key, expected, value, now));
  }

  ping(): Promise<boolean> {
    return this.closed ? Promise.resolve(false) : this.engine.ping();
  }

  /** The engine itself, for a bulk copy between stores (db/store/copy.ts) and nothing else. */
  engineForCopy(): Engine {
    this.guard('engineForCopy');
    return this.engine;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.engine.close();
  }

  private guard(what: string): void {
    if (inTransaction.getStore()?.active) {
      throw new Error(`store.${what}() was called inside a store transaction; use the unit of work passed to tx() instead`);
    }
    if (this.closed) throw new Error('the store is closed');
  }

  private read<T>(what: string, use: (reads: SqlRepository) => Promise<T>): Promise<T> {
    this.guard(what);
    return this.engine.read((session) => use(new SqlRepository(session)));
  }

  getRequest(id: RequestId) {
    return this.read('getRequest', (r) => r.getRequest(id));
  }
  findPendingRequest(requesterKey: string, role: string) {
    return this.read('findPendingRequest', (r) => r.findPendingRequest(requesterKey, role));
  }
  findLiveGrantFor(requesterKey: string, role: string) {
    return this.read('findLiveGrantFor', (r) => r.findLiveGrantFor(requesterKey, role));
  }
  findPendingExtension(grantId: string) {
    return this.read('findPendingExtension', (r) => r.findPendingExtension(grantId));
  }
  lapsedRequestIds(now: number, limit: number) {
    return this.read('lapsedRequestIds', (r) => r.lapsedRequestIds(now, limit));
  }
  pendingRequests() {
    return this.read('pendingRequests', (r) => r.pendingRequests());
  }
  pendingRequestIdsOf(person: PersonIds) {
    return this.read('pendingRequestIdsOf', (r) => r.pendingRequestIdsOf(person));
  }
  liveGrantRequestIdsOf(person: PersonIds) {
    return this.read('liveGrantRequestIdsOf', (r) => r.liveGrantRequestIdsOf(person));
  }
  nextLapse() {
    return this.read('nextLapse', (r) => r.nextLapse());
  }
  reviewsOf(requestId: RequestId) {
    return this.read('reviewsOf', (r) => r.reviewsOf(requestId));
  }
  getGrant(id: string) {
    return this.read('getGrant', (r) => r.getGrant(id));
  }
  grantOfRequest(requestId: RequestId) {
    return this.read('grantOfRequest', (r) => r.grantOfRequest(requestId));
  }
  grantsWithWorkDue(now: number, limit: number) {
    return this.read('grantsWithWorkDue', (r) => r.grantsWithWorkDue(now, limit));
  }
  expiredLiveGrants(now: number, limit: number) {
    return this.read('expiredLiveGrants', (r) => r.expiredLiveGrants(now, limit));
  }
  grantsNeedingReminder(now: number, leadMs: number, minLengthMs: number, limit: number) {
    return this.read('grantsNeedingReminder', (r) => r.grantsNeedingReminder(now, leadMs, minLengthMs, limit));
  }
  nextExpiry() {
    return this.read('nextExpiry', (r) => r.nextExpiry());
  }
  liveGrantRequestIds() {
    return this.read('liveGrantRequestIds', (r) => r.liveGrantRequestIds());
  }
  liveGrants() {
    return this.read('liveGrants', (r) => r.liveGrants());
  }
  activeGrantsOn(resource: string, now: number) {
    return this.read('activeGrantsOn', (r) => r.activeGrantsOn(resource, now));
  }
  countOverdueRevokes(cutoff: number) {
    return this.read('countOverdueRevokes', (r) => r.countOverdueRevokes(cutoff));
  }
  lastAuditRow() {
    return this.read('lastAuditRow', (r) => r.lastAuditRow());
  }
  hasAuditEvent(match: { requestId: RequestId; grantId: string; action: string }) {
    return this.read('hasAuditEvent', (r) => r.hasAuditEvent(match));
  }
  requestHistory(requestId: RequestId, beforeSeq: number, beforeAt: number) {
    return this.read('requestHistory', (r) => r.requestHistory(requestId, beforeSeq, beforeAt));
  }
  chainHeadBefore(until: number) {
    return this.read('chainHeadBefore', (r) => r.chainHeadBefore(until));
  }
  grantsLiveAt(at: number, createdSince: number) {
    return this.read('grantsLiveAt', (r) => r.grantsLiveAt(at, createdSince));
  }
  dueNoticeIds(platforms: readonly string[], now: number, limit: number) {
    return this.read('dueNoticeIds', (r) => r.dueNoticeIds(platforms, now, limit));
  }
  kvGet(key: string) {
    return this.read('kvGet', (r) => r.kvGet(key));
  }
  kvGetMany(keys: readonly string[]) {
    return this.read('kvGetMany', (r) => r.kvGetMany(keys));
  }
  kvList(prefix: string) {
    return this.read('kvList', (r) => r.kvList(prefix));
  }
  cardRef(platform: string, requestId: RequestId) {
    return this.read('cardRef', (r) => r.cardRef(platform, requestId));
  }
  digestClaim(period: string) {
    return this.read('digestClaim', (r) => r.digestClaim(period));
  }
  stats() {
    return this.read('stats', (r) => r.stats());
  }

  /** Streams in batches; each batch is its own short read, so writers are never held up by a long walk. */
  async *auditRows(range: AuditRange = {}): AsyncIterable<AuditRow> {
    this.guard('auditRows');
    const batches = new BatchedReader(this.engine);
    yield* new SqlRepository(batches).auditRows(range);
  }
}

/** A session whose every statement is a separate engine read (so a long iteration never holds the engine). */
class BatchedReader implements SqlSession {
  readonly dialect: SqlSession['dialect'];
  constructor(private readonly engine: Engine) {
    this.dialect = engine.kind;
  }
  tuples(sql: string, params?: Parameters<SqlSession['tuples']>[1]) {
    return this.engine.read((session) => session.tuples(sql, params));
  }
  all(sql: string, params?: Parameters<SqlSession['all']>[1]) {
    return this.engine.read((session) => session.all(sql, params));
  }
  run(sql: string, params?: Parameters<SqlSession['run']>[1]) {
    return this.engine.read((session) => session.run(sql, params));
  }
}
