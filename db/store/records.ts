/**
 * The rows the store hands out and takes in, as plain data. Every time is an absolute instant in epoch
 * milliseconds (UTC), stored as a 64-bit integer on both engines, so a paused process, a clock jump or a DST
 * change can never move an expiry.
 */
import type { GrantStatus } from '../../src/domain/grant-rules.ts';
import type { RequestStatus } from '../../src/domain/request-rules.ts';
import type { RequestId } from '../../src/domain/request-id.ts';

export type RequestKind = 'access' | 'extend';

export interface RequestRecord {
  id: RequestId;
  /** 'access' files a new grant; 'extend' asks to move an active grant's expiry. */
  kind: RequestKind;
  extendsGrantId: string | null;
  role: string;
  resource: string;
  requesterKey: string;
  requesterEmail: string | null;
  requesterSlackId: string | null;
  requesterTeamsId: string | null;
  requesterName: string | null;
  durationMs: number;
  reason: string;
  ticket: string | null;
  breakGlass: boolean;
  autoApproved: boolean;
  approvalsRequired: number;
  status: RequestStatus;
  origin: string;
  createdAt: number;
  lapsesAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
  decisionNote: string | null;
}

export type NewRequest = Omit<RequestRecord, 'id' | 'extendsGrantId' | 'decidedAt' | 'decidedBy' | 'decisionNote'> &
  Partial<Pick<RequestRecord, 'extendsGrantId' | 'decidedAt' | 'decidedBy' | 'decisionNote'>>;

export type RequestPatch = Partial<Pick<RequestRecord, 'status' | 'decidedAt' | 'decidedBy' | 'decisionNote'>>;

export interface ReviewRecord {
  id: number;
  requestId: RequestId;
  reviewerKey: string;
  reviewerEmail: string | null;
  reviewerSlackId: string | null;
  reviewerTeamsId: string | null;
  reviewerName: string | null;
  decision: 'approve' | 'deny';
  note: string | null;
  createdAt: number;
}

export type NewReview = Omit<ReviewRecord, 'id'>;

export interface GrantRecord {
  /** Random, globally unique: used as the idempotency key at every target. */
  id: string;
  requestId: RequestId;
  role: string;
  resource: string;
  status: GrantStatus;
  startsAt: number;
  expiresAt: number;
  /** Provider calls so far in the current phase (grant or revoke); reset on each transition. */
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  leaseOwner: string | null;
  leaseUntil: number | null;
  /** The expiry the target was last told about (extensions re-apply when it differs). */
  appliedExpiresAt: number | null;
  revokeReason: string | null;
  revokedBy: string | null;
  revokeRequestedAt: number | null;
  revokedAt: number | null;
  /** AES-256-GCM sealed JSON, deleted at revoke. */
  credentials: string | null;
  remindedAt: number | null;
  alertedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type NewGrant = Pick<GrantRecord, 'id' | 'requestId' | 'role' | 'resource' | 'status' | 'startsAt' | 'expiresAt' | 'nextAttemptAt' | 'createdAt' | 'updatedAt'>;

export type GrantPatch = Partial<Omit<GrantRecord, 'id' | 'requestId' | 'role' | 'resource' | 'createdAt'>>;

/** The conditions of a compare-and-set on a grant; every given condition must hold for the row to change. */
export interface GrantExpect {
  status?: GrantStatus | readonly GrantStatus[];
  /** The lease is held by this owner (null: held by nobody). */
  leaseOwner?: string | null;
  /** Nobody holds a lease that is still valid at this instant. */
  leaseFreeAt?: number;
  /** Its next attempt is due by this instant (or it has none scheduled). */
  dueBy?: number;
  expiresAt?: number;
  /** No reminder was sent for the current expiry yet. */
  notReminded?: true;
}

/** One compare-and-set of a batch (`updateGrants`): `patch` is written only when every condition of `expect` holds. */
export interface GrantChange {
  id: string;
  expect: GrantExpect;
  patch: GrantPatch;
}

/** Append-only and hash-chained; the database refuses UPDATE and DELETE on it. */
export interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  requestId: RequestId | null;
  grantId: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  details: string;
  prevHash: string;
  hash: string;
}

export type OutboxStatus = 'pending' | 'sent' | 'dead';

export interface OutboxRecord {
  id: number;
  platform: string;
  dedupeKey: string;
  /** The notice as JSON. */
  notice: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

export type OutboxPatch = Partial<Pick<OutboxRecord, 'status' | 'attempts' | 'nextAttemptAt' | 'leaseOwner' | 'leaseUntil' | 'lastError' | 'sentAt'>>;

export interface OutboxExpect {
  status?: OutboxStatus;
  leaseOwner?: string;
  leaseFreeAt?: number;
}

export type DigestStatus = 'posting' | 'posted';

export interface DigestClaim {
  period: string;
  status: DigestStatus;
  leaseOwner: string | null;
  leaseUntil: number | null;
  createdAt: number;
  postedAt: number | null;
}

export interface DigestExpect {
  status: DigestStatus;
  leaseOwner?: string;
  leaseFreeAt?: number;
}

export type DigestPatch = Partial<Pick<DigestClaim, 'status' | 'leaseOwner' | 'leaseUntil' | 'postedAt'>>;

/** Where a platform posted a request's approval card, so it can be updated in place. */
export interface CardRef {
  channel: string;
  messageId: string;
}

/** The identifiers a person is known by, for "my requests" queries. */
export interface PersonIds {
  email?: string | null;
  slackId?: string | null;
  teamsId?: string | null;
}

export interface StoreStats {
  grantsByStatus: Record<string, number>;
  pendingRequests: number;
  pendingNotices: number;
  deadNotices: number;
  auditEvents: number;
}
