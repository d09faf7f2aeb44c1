/**
 * The audit digest: who had what access, when and why, over a stretch of time, built only from the audit log.
 *
 * It streams the log once through the store (`auditRows`, in batches: constant memory, state is kept only for
 * requests and grants that are still open, plus a bounded number of list items), so a digest over millions of
 * events is fine. Access that began before the window is found two ways, both bounded: grants created in the
 * `lookbackMs` before the window and not ended by its start (`grantsLiveAt`, two partial indexes), and any in-window event about a
 * request first seen mid-story pulls that request's earlier rows (`requestHistory`, through the `request_id` index).
 */
import { noteActivity } from './digest-activity.ts';
import type { AuditRow, StoreReads } from '../../db/store/port.ts';
import { formatDuration } from '../domain/duration.ts';
import { isLateRevoke, REVOKE_OVERDUE_AFTER_MS } from '../domain/thresholds.ts';
import { isAuditAction, readDetails, type AuditAction } from './events.ts';
import { shortTime } from './zoned-time.ts';
import { parseRequestRef, requestRef, type RequestId } from '../domain/request-id.ts';
import { WaitingDigest, type DigestWaiting } from './digest-waiting.ts';

const DEFAULT_LOOKBACK_MS = 7 * 86_400_000;
const DEFAULT_MAX_ITEMS = 200;

export type GrantOutcome = 'active' | 'granting' | 'revoking' | 'expired' | 'revoked_early' | 'revoked' | 'failed';
export type Approval = 'approved' | 'auto_approved' | 'break_glass' | 'unknown';

export interface DigestGrant {
  ref: string;
  grantId: string;
  requester: string;
  role: string;
  resource: string;
  reason: string | null;
  ticket: string | null;
  approval: Approval;
  approvers: string[];
  createdAt: number;
  /** When access began at the target (grant.active); null if it never did. */
  startedAt: number | null;
  /** When access ended (revoked) or the grant failed; null while still live. */
  endedAt: number | null;
  /** The (latest) scheduled expiry. */
  expiresAt: number | null;
  extensions: number;
  outcome: GrantOutcome;
  /** For an early revoke: who asked, and their note. */
  revokedBy: string | null;
  revokeNote: string | null;
  revokeRequestedAt: number | null;
  /** For a revoke at expiry: how long after the expiry access really ended. */
  lateMs: number | null;
  revokeFailures: number;
  lastError: string | null;
  /** Began before the window. */
  carried: boolean;
  /** What the holder did, as the target reported it at the revoke ("ran 14 statements in 2 sessions"), and its first lines. */
  activity?: string | null;
  activityLines?: string[];
  /** Runbook actions the holder ran during the grant, one line each ("restart-api: ok in 3s"). */
  actionsRun?: string[];
}

export interface DigestDenial {
  ref: string;
  kind: 'access' | 'extend';
  requester: string;
  role: string;
  resource: string;
  reason: string | null;
  deniedBy: string;
  note: string | null;
  at: number;
}

export type DigestAlertKind = 'grant_failed' | 'revoke_failed' | 'revoke_overdue' | 'orphan' | 'drift';

export interface DigestAlert {
  kind: DigestAlertKind;
  at: number;
  ref: string | null;
  role: string | null;
  resource: string | null;
  requester: string | null;
  detail: string;
}

/** The first `items` (in order) of a list that had `total` entries. */
export interface DigestList<T> {
  items: T[];
  total: number;
}

export interface DigestTotals {
  events: number;
  requests: { filed: number; extensions: number; approved: number; autoApproved: number; breakGlass: number; denied: number; cancelled: number; expired: number };
  grants: { held: number; started: number; carried: number; endedAtExpiry: number; revokedEarly: number; stillActive: number; failed: number; extended: number; lateRevokes: number };
  alerts: number;
}

export interface Digest {
  /** The period key when built for a scheduled run ("2026-11-27"), else null. */
  label: string | null;
  since: number;
  until: number;
  timezone: string;
  totals: DigestTotals;
  /** Every grant that held access at some time in the window, by start. */
  grants: DigestList<DigestGrant>;
  /** Break-glass activations in the window: they need an after-the-fact review. */
  breakGlass: DigestList<DigestGrant>;
  /** Revokes at expiry that ended access late (more than REVOKE_LATE_AFTER_MS after the expiry). */
  lateRevokes: DigestList<DigestGrant>;
  denials: DigestList<DigestDenial>;
  alerts: DigestList<DigestAlert>;
  /** Requests that waited longest for a decision, and those that lapsed without any review (digest-waiting.ts). */
  waiting: DigestWaiting;
  /** The last audit row before `until`: posting its hash anchors the log off-machine. */
  head: { seq: number; hash: string; at: number } | null;
}

export interface DigestOptions {
  since: number;
  until: number;
  timezone: string;
  label?: string | null;
  /** How far before `since` to look for grants still live at `since` (default 7 days; see digestLookbackMs). */
  lookbackMs?: number;
  /** Items kept per list (the rest are counted). */
  maxItems?: number;
}

export async function buildDigest(store: StoreReads, options: DigestOptions): Promise<Digest> {
  const builder = new DigestBuilder(store, options);
  await builder.loadLiveAtStart(options.lookbackMs ?? DEFAULT_LOOKBACK_MS);
  for await (const row of store.auditRows({ since: options.since, until: options.until })) {
    // Most rows need no earlier history: only those wait for a lookup (no extra await per row).
    const pending = builder.apply(row);
    if (pending) await pending;
  }
  return builder.finish();
}

interface RequestState {
  id: RequestId;
  kind: 'access' | 'extend';
  requester: string;
  role: string;
  resource: string;
  reason: string | null;
  ticket: string | null;
  approval: Approval;
  approvers: string[];
}

/** The columns of an audit row a digest reads. */
type Row = Pick<AuditRow, 'seq' | 'at' | 'actor' | 'action' | 'requestId' | 'grantId' | 'details'>;

class DigestBuilder {
  private readonly requests = new Map<number, RequestState>();
  private readonly grants = new Map<string, DigestGrant>();
  private readonly maxItems: number;
  private readonly totals: DigestTotals = {
    events: 0,
    requests: { filed: 0, extensions: 0, approved: 0, autoApproved: 0, breakGlass: 0, denied: 0, cancelled: 0, expired: 0 },
    grants: { held: 0, started: 0, carried: 0, endedAtExpiry: 0, revokedEarly: 0, stillActive: 0, failed: 0, extended: 0, lateRevokes: 0 },
    alerts: 0,
  };
  private readonly lists = {
    grants: { items: [] as DigestGrant[], total: 0 },
    breakGlass: { items: [] as DigestGrant[], total: 0 },
    lateRevokes: { items: [] as DigestGrant[], total: 0 },
    denials: { items: [] as DigestDenial[], total: 0 },
    alerts: { items: [] as DigestAlert[], total: 0 },
  };
  /** Grants whose in-window revoke failures still need reporting when they settle. */
  private readonly revokeTrouble = new Set<string>();
  /** Grants already counted as held (weak: a forgotten grant outside the kept lists can be collected). */
  private readonly held = new WeakSet<DigestGrant>();
  private readonly waiting = new WaitingDigest();
  /** While replaying earlier rows of a request: build state, count nothing. */
  private replaying = false;

  constructor(
    private readonly store: StoreReads,
    private readonly options: DigestOptions,
  ) {
    this.maxItems = options.maxItems ?? DEFAULT_MAX_ITEMS;
  }

  /** Grants created in the lookback and not ended before `since` held access as the window opened. */
  async loadLiveAtStart(lookbackMs: number): Promise<void> {
    // Read through indexes of grant starts and ends: the cost follows the grants created in the lookback, not
    // every row written in it (a week of rows was most of a one-day digest's time).
    const live = await this.store.grantsLiveAt(this.options.since, this.options.since - lookbackMs);
    for (const requestId of new Set(live.map((grant) => grant.requestId))) await this.replay(requestId, Number.MAX_SAFE_INTEGER);
  }

  /** Applies one window row; returns a promise only when earlier rows of its request must be read first. */
  apply(row: Row): Promise<void> | undefined {
    this.totals.events++;
    // The two replays exclude each other: extension.requested is an opening action.
    if (row.requestId !== null && !this.knows(row) && !OPENING_ACTIONS.has(row.action)) {
      return this.replay(row.requestId, row.seq).then(() => this.step(row));
    }
    if (row.action === 'extension.requested' && row.grantId !== null && !this.grants.has(row.grantId)) {
      // Extending access that began before the window: that access was held in it.
      const original = parseRequestRef(readDetails('extension.requested', row.details).extends ?? '');
      if (original !== null) return this.replay(original, row.seq).then(() => this.step(row));
    }
    this.step(row);
    return undefined;
  }

  async finish(): Promise<Digest> {
    const until = this.options.until;
    for (const grant of this.grants.values()) {
      if (grant.outcome === 'active' || grant.outcome === 'revoking') this.totals.grants.stillActive++;
      // Overdue after the same grace as /healthz: REVOKE_OVERDUE_AFTER_MS past the expiry, or past the revoke asked for.
      if (grant.outcome === 'active' && grant.expiresAt !== null && until - grant.expiresAt > REVOKE_OVERDUE_AFTER_MS) {
        this.alert({ kind: 'revoke_overdue', at: until, grant, detail: `still active ${formatDuration(until - grant.expiresAt)} after its expiry; no revoke was started` });
      }
      if (grant.outcome === 'revoking' && grant.revokeRequestedAt !== null && until - grant.revokeRequestedAt > REVOKE_OVERDUE_AFTER_MS) {
        this.alert({
          kind: 'revoke_overdue',
          at: until,
          grant,
          detail: `still not revoked, ${formatDuration(until - grant.revokeRequestedAt)} after the revoke was asked for${grant.lastError ? ` (last error: ${grant.lastError})` : ''}`,
        });
        this.revokeTrouble.delete(grant.grantId);
      }
      if (this.revokeTrouble.has(grant.grantId)) this.reportRevokeTrouble(grant, 'still retrying');
    }
    this.lists.grants.items.sort((a, b) => (a.startedAt ?? a.createdAt) - (b.startedAt ?? b.createdAt));
    return {
      label: this.options.label ?? null,
      since: this.options.since,
      until,
      timezone: this.options.timezone,
      totals: this.totals,
      grants: this.lists.grants,
      breakGlass: this.lists.breakGlass,
      lateRevokes: this.lists.lateRevokes,
      denials: this.lists.denials,
      alerts: this.lists.alerts,
      waiting: this.waiting.finish(this.maxItems),
      head: await chainHeadBefore(this.store, until),
    };
  }

  private knows(row: Row): boolean {
    return this.requests.has(row.requestId!) || (row.grantId !== null && this.grants.has(row.grantId));
  }

  /**
   * Rebuild a request's state from its rows before this one (and before the window), counting nothing. Live
   * access found that way began before the window: it joins the list of grants held in it.
   */
  private async replay(requestId: RequestId, beforeSeq: number): Promise<void> {
    const history = await this.store.requestHistory(requestId, beforeSeq, this.options.since);
    this.replaying = true;
    try {
      for (const row of history) this.step(row);
    } finally {
      this.replaying = false;
    }
    for (const grant of this.grants.values()) {
      if (grant.ref === requestRef(requestId) && !grant.carried && grant.startedAt !== null && (grant.outcome === 'active' || grant.outcome === 'revoking')) {
        grant.carried = true;
        this.totals.grants.carried++;
        this.hold(grant);
      }
    }
  }

  private step(row: Row): void {
    if (!isAuditAction(row.action)) return; // not an event the core writes: nothing to build from it
    const action = row.action;
    const counting = !this.replaying;
    const id = row.requestId;
    this.waiting.observe(row, counting);
    switch (action) {
      case 'request.created': {
        if (id === null) return;
        const d = readDetails(action, row.details);
        this.requests.set(id, {
          id,
          kind: 'access',
          requester: row.actor,
          role: d.role ?? '?',
          resource: d.resource ?? '?',
          reason: d.reason,
          ticket: d.ticket,
          approval: 'unknown',
          approvers: [],
        });
        if (counting) this.totals.requests.filed++;
        return;
      }
      case 'extension.requested': {
        if (id === null) return;
        const d = readDetails(action, row.details);
        const grant = row.grantId ? this.grants.get(row.grantId) : undefined;
        this.requests.set(id, {
          id,
          kind: 'extend',
          requester: row.actor,
          role: d.role ?? grant?.role ?? '?',
          resource: grant?.resource ?? '?',
          reason: d.reason,
          ticket: grant?.ticket ?? null,
          approval: d.auto_approved === true ? 'auto_approved' : 'unknown',
          approvers: [],
        });
        if (counting) this.totals.requests.extensions++;
        return;
      }
      case 'review.approved': {
        const request = id === null ? undefined : this.requests.get(id);
        if (request && !request.approvers.includes(row.actor)) request.approvers.push(row.actor);
        return;
      }
      case 'request.approved':
      case 'request.auto_approved':
      case 'request.break_glass': {
        const request = id === null ? undefined : this.requests.get(id);
        const approval: Approval = action === 'request.approved' ? 'approved' : action === 'request.auto_approved' ? 'auto_approved' : 'break_glass';
        if (request) request.approval = approval;
        if (counting && request?.kind !== 'extend') {
          if (approval === 'approved') this.totals.requests.approved++;
          else if (approval === 'auto_approved') this.totals.requests.autoApproved++;
          else this.totals.requests.breakGlass++;
        }
        return;
      }
      case 'request.denied': {
        const request = id === null ? undefined : this.requests.get(id);
        if (counting) {
          this.totals.requests.denied++;
          push(this.lists.denials, this.maxItems, {
            ref: id === null ? 'AR-?' : requestRef(id),
            kind: request?.kind ?? 'access',
            requester: request?.requester ?? '?',
            role: request?.role ?? '?',
            resource: request?.resource ?? '?',
            reason: request?.reason ?? null,
            deniedBy: row.actor,
            note: readDetails(action, row.details).note,
            at: row.at,
          });
        }
        if (id !== null) this.requests.delete(id);
        return;
      }
      case 'request.cancelled':
      case 'request.expired':
        if (counting && this.requests.get(id ?? -1)?.kind !== 'extend') {
          if (action === 'request.cancelled') this.totals.requests.cancelled++;
          else this.totals.requests.expired++;
        }
        if (id !== null) this.requests.delete(id);
        return;
      case 'extension.void':
        if (id !== null) this.requests.delete(id);
        return;
      case 'grant.created':
        return this.grantCreated(row, counting);
      case 'grant.active': {
        const grant = this.grantOf(row);
        if (!grant) return;
        grant.outcome = 'active';
        grant.startedAt = row.at;
        if (counting) {
          this.totals.grants.started++;
          this.hold(grant);
        }
        return;
      }
      case 'grant.extended': {
        const grant = this.grantOf(row);
        const d = readDetails(action, row.details);
        const to = Date.parse(d.to ?? '');
        if (grant) {
          grant.extensions++;
          if (!Number.isNaN(to)) grant.expiresAt = to;
        }
        const extension = parseRequestRef(d.extension_request ?? '');
        if (extension !== null) this.requests.delete(extension);
        if (counting) this.totals.grants.extended++;
        return;
      }
      case 'grant.expired':
      case 'grant.revoke_requested': {
        const grant = this.grantOf(row);
        if (!grant) return;
        const reason = readDetails(action, row.details).reason;
        grant.outcome = 'revoking';
        grant.revokeRequestedAt = row.at;
        if (action === 'grant.revoke_requested') {
          grant.revokedBy = row.actor;
          grant.revokeNote = reason && reason !== 'revoked early' && reason !== 'orphan' ? reason : null;
        }
        return;
      }
      case 'grant.revoke_failed': {
        const grant = this.grantOf(row);
        if (!grant) return;
        grant.revokeFailures++;
        grant.lastError = readDetails(action, row.details).error;
        if (counting) this.revokeTrouble.add(grant.grantId);
        return;
      }
      case 'grant.revoked':
        return this.grantRevoked(row, counting);
      case 'grant.activity':
      case 'action.ran':
        return noteActivity(this.grantOf(row), row);
      case 'grant.failed': {
        const grant = this.grantOf(row);
        const d = readDetails(action, row.details);
        if (grant) {
          grant.outcome = 'failed';
          grant.endedAt = row.at;
          grant.lastError = d.error;
        }
        if (counting) {
          this.totals.grants.failed++;
          this.alert({ kind: 'grant_failed', at: row.at, grant, ref: id === null ? 'AR-?' : requestRef(id), detail: `granting failed after ${d.attempts ?? '?'} attempt(s): ${d.error ?? 'unknown error'}` });
        }
        if (grant) this.forget(grant);
        return;
      }
      case 'reconcile.orphan': {
        if (!counting) return;
        const d = readDetails(action, row.details);
        const revoked = d.revoked === true;
        const knownAs = d.known_as;
        this.alert({
          kind: 'orphan',
          at: row.at,
          grant: this.grantOf(row),
          ref: id === null ? null : requestRef(id),
          resource: d.resource,
          detail: `access ${row.grantId ?? '?'} found at the target ${knownAs ? `(${knownAs} here)` : '(unknown to the bot)'}; ${revoked ? 'revoked it' : `revoking it failed: ${d.error ?? 'unknown error'}`}`,
        });
        return;
      }
      case 'reconcile.drift': {
        if (!counting) return;
        const d = readDetails(action, row.details);
        this.alert({
          kind: 'drift',
          at: row.at,
          grant: this.grantOf(row),
          ref: id === null ? null : requestRef(id),
          resource: d.resource,
          detail: `active here but ${d.found ?? 'missing at the target'}`,
        });
        return;
      }
      default:
        return;
    }
  }

  private grantCreated(row: Row, counting: boolean): void {
    if (row.requestId === null || row.grantId === null) return;
    const d = readDetails('grant.created', row.details);
    const request = this.requests.get(row.requestId);
    const expires = Date.parse(d.expires_at ?? '');
    const grant: DigestGrant = {
      ref: requestRef(row.requestId),
      grantId: row.grantId,
      requester: request?.requester ?? '?',
      role: d.role ?? request?.role ?? '?',
      resource: d.resource ?? request?.resource ?? '?',
      reason: request?.reason ?? null,
      ticket: request?.ticket ?? null,
      approval: request?.approval ?? 'unknown',
      approvers: request ? [...request.approvers] : [],
      createdAt: row.at,
      startedAt: null,
      endedAt: null,
      expiresAt: Number.isNaN(expires) ? null : expires,
      extensions: 0,
      outcome: 'granting',
      revokedBy: null,
      revokeNote: null,
      revokeRequestedAt: null,
      lateMs: null,
      revokeFailures: 0,
      lastError: null,
      carried: false,
    };
    this.grants.set(grant.grantId, grant);
    if (counting && grant.approval === 'break_glass') push(this.lists.breakGlass, this.maxItems, grant);
  }

  private grantRevoked(row: Row, counting: boolean): void {
    const grant = this.grantOf(row);
    if (!grant) return;
    const d = readDetails('grant.revoked', row.details);
    const reason = d.reason ?? '';
    const lateMs = d.late_ms;
    grant.endedAt = row.at;
    grant.outcome = reason.startsWith('expired') ? 'expired' : reason.startsWith('revoked early') ? 'revoked_early' : 'revoked';
    grant.lateMs = lateMs;
    if (counting) {
      if (grant.outcome === 'expired') this.totals.grants.endedAtExpiry++;
      else this.totals.grants.revokedEarly++;
      if (lateMs !== null && isLateRevoke(lateMs)) {
        this.totals.grants.lateRevokes++;
        push(this.lists.lateRevokes, this.maxItems, grant);
      }
      if (this.revokeTrouble.has(grant.grantId)) {
        const attempts = d.attempts;
        this.reportRevokeTrouble(grant, `revoked at ${shortTime(row.at, this.options.timezone)}${attempts ? ` after ${attempts} attempts` : ''}`);
      }
    }
    this.forget(grant);
  }

  /** The grant held access in the window: count it once and keep it for the list. */
  private hold(grant: DigestGrant): void {
    if (this.held.has(grant)) return;
    this.held.add(grant);
    this.totals.grants.held++;
    push(this.lists.grants, this.maxItems, grant);
  }

  private forget(grant: DigestGrant): void {
    this.grants.delete(grant.grantId);
    this.revokeTrouble.delete(grant.grantId);
    const requestId = Number(grant.ref.slice(3));
    this.requests.delete(requestId);
  }

  private grantOf(row: Row): DigestGrant | undefined {
    return row.grantId === null ? undefined : this.grants.get(row.grantId);
  }

  private reportRevokeTrouble(grant: DigestGrant, ending: string): void {
    this.revokeTrouble.delete(grant.grantId);
    this.alert({
      kind: 'revoke_failed',
      at: grant.revokeRequestedAt ?? grant.createdAt,
      grant,
      detail: `revoke failed${grant.lastError ? ` (${grant.lastError})` : ''}; ${ending}`,
    });
  }

  private alert(input: { kind: DigestAlertKind; at: number; grant?: DigestGrant | undefined; ref?: string | null; resource?: string | null; detail: string }): void {
    this.totals.alerts++;
    push(this.lists.alerts, this.maxItems, {
      kind: input.kind,
      at: input.at,
      ref: input.grant?.ref ?? input.ref ?? null,
      role: input.grant?.role ?? null,
      resource: input.grant?.resource ?? input.resource ?? null,
      requester: input.grant?.requester ?? null,
      detail: input.detail,
    });
  }
}

/** Rows that open a request's story; any other row about an unknown request means it began earlier. */
const OPENING_ACTIONS: ReadonlySet<string> = new Set<AuditAction>(['request.created', 'extension.requested', 'reconcile.orphan', 'reconcile.drift', 'digest.posted']);

function push<T>(list: DigestList<T>, max: number, item: T): void {
  list.total++;
  if (list.items.length < max) list.items.push(item);
}

/** The last row (by time, then sequence) before `until`. */
export async function chainHeadBefore(store: StoreReads, until: number): Promise<{ seq: number; hash: string; at: number } | null> {
  const row = await store.chainHeadBefore(until);
  // Exactly these keys, in this order: the head is part of the digest's JSON.
  return row ? { seq: row.seq, hash: row.hash, at: row.at } : null;
}

/** Enough look-back to find any grant still live when a window opens: the longest a grant may last, plus a day. */
export function digestLookbackMs(maxDurationsMs: Iterable<number>): number {
  let longest = 0;
  for (const ms of maxDurationsMs) longest = Math.max(longest, ms);
  return longest + 86_400_000;
}
