/**
 * The store port: everything the core, the scheduler, HTTP and the adapters may ask of the database, at the
 * level of the domain's records and transitions. Nothing outside `db/` builds a query, imports drizzle or a
 * driver. Two implementations pass one conformance suite: SQLite (embedded default) and PostgreSQL (replicas).
 *
 * Writes happen inside `tx()` (apart from the single-statement compare-and-sets named below): a unit of work that runs serialised against every other writer of the same
 * database, on every replica (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a transaction-scoped advisory lock), so a
 * read-then-write inside it is race-free. Every state change is still a compare-and-set on the row's status,
 * and partial unique indexes back the invariants, so a bug in the serialisation could never double-grant.
 */
import type {
  AuditRow,
  CardRef,
  DigestClaim,
  DigestExpect,
  DigestPatch,
  GrantChange,
  GrantExpect,
  GrantPatch,
  GrantRecord,
  NewGrant,
  NewRequest,
  NewReview,
  OutboxExpect,
  OutboxPatch,
  OutboxRecord,
  PersonIds,
  RequestPatch,
  RequestRecord,
  ReviewRecord,
  StoreStats,
} from './records.ts';
import type { RequestId } from '../../src/domain/request-id.ts';

export type * from './records.ts';

export interface AuditRange {
  /** Rows with `at >= since`. */
  since?: number;
  /** Rows with `at < until`. */
  until?: number;
}

/** Reads, available outside and inside a unit of work (inside, they see its own writes). */
export interface StoreReads {
  // Requests
  getRequest(id: RequestId): Promise<RequestRecord | null>;
  /** The requester's pending access request for a role, if any. */
  findPendingRequest(requesterKey: string, role: string): Promise<RequestId | null>;
  /** The requester's grant of a role that is being applied or active. */
  findLiveGrantFor(requesterKey: string, role: string): Promise<{ requestId: RequestId; expiresAt: number } | null>;
  /** A pending extension request of a grant. */
  findPendingExtension(grantId: string): Promise<RequestId | null>;
  /** Pending requests whose TTL has passed, oldest first. */
  lapsedRequestIds(now: number, limit: number): Promise<RequestId[]>;
  /** Every pending request, the soonest to lapse first. */
  pendingRequests(): Promise<RequestRecord[]>;
  /** This person's pending requests, newest first. */
  pendingRequestIdsOf(person: PersonIds): Promise<RequestId[]>;
  /** Requests whose grant is being applied, active or being revoked, held by this person, soonest expiry first. */
  liveGrantRequestIdsOf(person: PersonIds): Promise<RequestId[]>;
  /** The earliest lapse of a pending request. */
  nextLapse(): Promise<number | null>;
  reviewsOf(requestId: RequestId): Promise<ReviewRecord[]>;

  // Grants
  getGrant(id: string): Promise<GrantRecord | null>;
  grantOfRequest(requestId: RequestId): Promise<GrantRecord | null>;
  /** Grants with target work due (new, retry due, revoking, extension not applied) and no valid lease, soonest expiry first. */
  grantsWithWorkDue(now: number, limit: number): Promise<string[]>;
  /** Grants being applied or active whose expiry has passed. */
  expiredLiveGrants(now: number, limit: number): Promise<GrantRecord[]>;
  /** Active grants expiring within `leadMs`, not reminded yet, that lasted at least `minLengthMs`, soonest first. */
  grantsNeedingReminder(now: number, leadMs: number, minLengthMs: number, limit: number): Promise<GrantRecord[]>;
  /** The earliest expiry of a grant being applied or active. */
  nextExpiry(): Promise<number | null>;
  /** Requests of every grant being applied, active or being revoked, soonest expiry first. */
  liveGrantRequestIds(): Promise<RequestId[]>;
  /** Every grant being applied, active or being revoked, soonest expiry first (one read, for a pass over all of them). */
  liveGrants(): Promise<GrantRecord[]>;
  /** Active grants on a resource that have not expired. */
  activeGrantsOn(resource: string, now: number): Promise<GrantRecord[]>;
  /** Grants past expiry (or an early revoke) before `cutoff` and not revoked: what /healthz calls overdue. */
  countOverdueRevokes(cutoff: number): Promise<number>;

  // Audit
  lastAuditRow(): Promise<Pick<AuditRow, 'seq' | 'hash'> | null>;
  hasAuditEvent(match: { requestId: RequestId; grantId: string; action: string }): Promise<boolean>;
  /** Streams rows in sequence order, in batches (constant memory over millions of rows). */
  auditRows(range?: AuditRange): AsyncIterable<AuditRow>;
  /** A request's rows before a point (sequence and time), in sequence order. */
  requestHistory(requestId: RequestId, beforeSeq: number, beforeAt: number): Promise<AuditRow[]>;
  /**
   * Grants live at `at` by the log: a `grant.created` row at or after `createdSince` and before `at`, and no
   * `grant.revoked` / `grant.failed` row of that grant before `at`; in sequence order. Read through two partial
   * indexes, so it costs what the grants created in that stretch cost, never the rows in it or the log's size.
   */
  grantsLiveAt(at: number, createdSince: number): Promise<{ requestId: RequestId; grantId: string }[]>;
  /** The last row (by time, then sequence) before `until`. */
  chainHeadBefore(until: number): Promise<Pick<AuditRow, 'seq' | 'hash' | 'at'> | null>;

  // Outbox
  dueNoticeIds(platforms: readonly string[], now: number, limit: number): Promise<number[]>;

  // Small durable state
  kvGet(key: string): Promise<string | null>;
  /** The values of those of `keys` that exist, in one read (a batch of revokes reading its holders' small records). */
  kvGetMany(keys: readonly string[]): Promise<Map<string, string>>;
  kvList(prefix: string): Promise<{ key: string; value: string; updatedAt: number }[]>;
  cardRef(platform: string, requestId: RequestId): Promise<CardRef | null>;
  digestClaim(period: string): Promise<DigestClaim | null>;

  stats(): Promise<StoreStats>;
}

/** Reads plus writes, inside one serialised transaction. */
export interface UnitOfWork extends StoreReads {
  insertRequest(request: NewRequest): Promise<RequestRecord>;
  /** Compare-and-set on status; false when the request is no longer in `expect.status`. */
  updateRequest(id: RequestId, expect: { status: RequestRecord['status'] }, patch: RequestPatch): Promise<boolean>;
  /** False when this reviewer already reviewed this request. */
  insertReview(review: NewReview): Promise<boolean>;
  insertGrant(grant: NewGrant): Promise<void>;
  /** Compare-and-set; the changed row, or null when a condition did not hold. */
  updateGrant(id: string, expect: GrantExpect, patch: GrantPatch): Promise<GrantRecord | null>;
  /**
   * Many compare-and-sets at once (a burst of expiries, a group commit of revokes): each change is its own
   * condition on its own row, with exactly the outcome of `updateGrant` called for each in order, but
   * consecutive changes of the same shape travel as one statement. The changed rows in the order given, null
   * where a condition did not hold.
   */
  updateGrants(changes: readonly GrantChange[]): Promise<(GrantRecord | null)[]>;
  /** Free every grant and notice lease held by `owner` (a restarted replica taking its leases back). */
  releaseLeasesOf(owner: string): Promise<number>;
  /** Appends one row; fails if the sequence is taken (the chain can never fork). */
  insertAuditRow(row: AuditRow): Promise<void>;
  /** Appends rows already chained in order, many per statement (bulk loads: imports, the log-scale benchmark). */
  insertAuditRows(rows: readonly AuditRow[]): Promise<void>;
  /** Queue a notice once: false when (platform, dedupeKey) is already queued. */
  enqueueNotice(notice: { platform: string; dedupeKey: string; notice: string; now: number }): Promise<boolean>;
  updateNotice(id: number, expect: OutboxExpect, patch: OutboxPatch): Promise<OutboxRecord | null>;
  /** Insert a claim if none exists for the period; false when one does. */
  insertDigestClaim(claim: Pick<DigestClaim, 'period' | 'leaseOwner' | 'leaseUntil' | 'createdAt'>): Promise<boolean>;
  updateDigestClaim(period: string, expect: DigestExpect, patch: DigestPatch): Promise<boolean>;
  kvPut(key: string, value: string, now: number): Promise<void>;
  /** False when the key exists already. */
  kvInsertIfAbsent(key: string, value: string, now: number): Promise<boolean>;
  kvDelete(key: string): Promise<void>;
  /** Delete keys with this prefix last written before `before`; returns how many. */
  kvPrune(prefix: string, before: number): Promise<number>;
  /** Insert-if-absent; returns the card now on record (the earlier one if another writer won). */
  rememberCard(platform: string, requestId: RequestId, card: CardRef, now: number): Promise<CardRef>;
}

export type StoreKind = 'sqlite' | 'postgres';

export interface Store extends StoreReads {
  readonly kind: StoreKind;
  /** Where it is, for logs (never a password). */
  readonly location: string;
  /** False once close() began: lease renewals and late writes stop. */
  readonly open: boolean;
  /**
   * Run `fn` in one write transaction, serialised against every other writer on every replica. It commits
   * when `fn` resolves and rolls back when it throws (the error is rethrown). Only the unit of work may be used
   * inside `fn`: calling the store itself there is a bug and throws on SQLite.
   */
  tx<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T>;
  /**
   * Single-statement compare-and-sets that need no serialisation — the row's own condition decides, on every
   * replica — for lease claims, renewals and releases and for delivery bookkeeping. They never take the write
   * lock, so they never queue behind a decision nor hold one up. A change that must be audited goes through tx().
   */
  setGrantIf(id: string, expect: GrantExpect, patch: GrantPatch): Promise<GrantRecord | null>;
  setNoticeIf(id: number, expect: OutboxExpect, patch: OutboxPatch): Promise<OutboxRecord | null>;
  /** Insert-if-absent of a small record (e.g. "this Slack delivery was seen"); false when the key exists. */
  claimKey(key: string, value: string, now: number): Promise<boolean>;
  /**
   * Compare-and-set of a small record: writes `value` when the key holds exactly `expected` (null: when the key
   * is absent); false when another writer changed it first (read it again and retry). For state replicas share
   * outside a decision, such as a person's rate-limit bucket (src/app/rate-limit.ts).
   */
  kvSetIf(key: string, expected: string | null, value: string, now: number): Promise<boolean>;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
