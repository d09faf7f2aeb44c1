/**
 * The SQLite schema (drizzle), from which `db/sqlite/migrations` is generated. db/postgres/schema.ts mirrors it
 * column for column. The database is the source of truth. Every time is an absolute instant in epoch milliseconds (UTC),
 * so a paused process, a clock jump or a DST change can never move an expiry.
 */
import { sql } from 'drizzle-orm';
import { sqliteTable, integer, text, uniqueIndex, index } from 'drizzle-orm/sqlite-core';

export const requests = sqliteTable(
  'requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** 'access' files a new grant; 'extend' asks to move an active grant's expiry. */
    kind: text('kind', { enum: ['access', 'extend'] }).notNull(),
    extendsGrantId: text('extends_grant_id'),
    role: text('role').notNull(),
    resource: text('resource').notNull(),
    requesterKey: text('requester_key').notNull(),
    requesterEmail: text('requester_email'),
    requesterSlackId: text('requester_slack_id'),
    requesterTeamsId: text('requester_teams_id'),
    requesterName: text('requester_name'),
    durationMs: integer('duration_ms').notNull(),
    reason: text('reason').notNull(),
    ticket: text('ticket'),
    breakGlass: integer('break_glass', { mode: 'boolean' }).notNull().default(false),
    autoApproved: integer('auto_approved', { mode: 'boolean' }).notNull().default(false),
    approvalsRequired: integer('approvals_required').notNull(),
    status: text('status', { enum: ['pending', 'approved', 'denied', 'cancelled', 'expired'] }).notNull(),
    origin: text('origin').notNull(),
    createdAt: integer('created_at').notNull(),
    lapsesAt: integer('lapses_at').notNull(),
    decidedAt: integer('decided_at'),
    decidedBy: text('decided_by'),
    decisionNote: text('decision_note'),
  },
  (t) => [
    index('requests_status_lapses').on(t.status, t.lapsesAt),
    index('requests_requester').on(t.requesterKey),
    // A person holds at most one pending access request per role: a database fact, not only a check in code.
    uniqueIndex('requests_one_pending').on(t.requesterKey, t.role).where(sql`status = 'pending' AND kind = 'access'`),
  ],
);

export const reviews = sqliteTable(
  'reviews',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    requestId: integer('request_id')
      .notNull()
      .references(() => requests.id),
    reviewerKey: text('reviewer_key').notNull(),
    reviewerEmail: text('reviewer_email'),
    reviewerSlackId: text('reviewer_slack_id'),
    reviewerTeamsId: text('reviewer_teams_id'),
    reviewerName: text('reviewer_name'),
    decision: text('decision', { enum: ['approve', 'deny'] }).notNull(),
    note: text('note'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('reviews_one_per_reviewer').on(t.requestId, t.reviewerKey)],
);

export const grants = sqliteTable(
  'grants',
  {
    /** Random, globally unique: used as the idempotency key at every target. */
    id: text('id').primaryKey(),
    requestId: integer('request_id')
      .notNull()
      .references(() => requests.id),
    role: text('role').notNull(),
    resource: text('resource').notNull(),
    status: text('status', { enum: ['granting', 'active', 'revoking', 'revoked', 'failed'] }).notNull(),
    startsAt: integer('starts_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    /** Provider calls so far in the current phase (grant or revoke); reset on each transition. */
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at'),
    lastError: text('last_error'),
    leaseOwner: text('lease_owner'),
    leaseUntil: integer('lease_until'),
    /** The expiry the target was last told about (extensions re-apply when it differs). */
    appliedExpiresAt: integer('applied_expires_at'),
    revokeReason: text('revoke_reason'),
    revokedBy: text('revoked_by'),
    revokeRequestedAt: integer('revoke_requested_at'),
    revokedAt: integer('revoked_at'),
    /** AES-256-GCM sealed JSON, deleted at revoke. */
    credentials: text('credentials'),
    remindedAt: integer('reminded_at'),
    alertedAt: integer('alerted_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('grants_one_per_request').on(t.requestId),
    index('grants_status_expires').on(t.status, t.expiresAt),
    index('grants_status_next').on(t.status, t.nextAttemptAt),
  ],
);

/** Append-only and hash-chained; triggers in the migration refuse UPDATE and DELETE. */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    seq: integer('seq').primaryKey(),
    at: integer('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    requestId: integer('request_id'),
    grantId: text('grant_id'),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    details: text('details').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    // SQLite keys every index by the rowid (= seq) too: these already serve "by time, then seq" and a request's history in order.
    index('audit_at').on(t.at),
    index('audit_request').on(t.requestId),
    // Grants live at an instant (the digest's window start): created in a bounded look-back and not ended before
    // it. Two small partial indexes answer that without reading the rows in between (store: grantsLiveAt).
    index('audit_grant_opened').on(t.at).where(sql`action = 'grant.created'`),
    index('audit_grant_closed').on(t.grantId).where(sql`action IN ('grant.revoked', 'grant.failed')`),
  ],
);

/** Chat deliveries, decoupled from decisions: written in the decision's transaction, delivered after commit. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    platform: text('platform').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    notice: text('notice').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'dead'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    leaseOwner: text('lease_owner'),
    leaseUntil: integer('lease_until'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
  },
  (t) => [uniqueIndex('outbox_dedupe').on(t.platform, t.dedupeKey), index('outbox_due').on(t.status, t.nextAttemptAt)],
);

/** Where a platform adapter posted a request's approval card, so it can update it in place. */
export const chatMessages = sqliteTable(
  'chat_messages',
  {
    platform: text('platform').notNull(),
    requestId: integer('request_id').notNull(),
    channel: text('channel').notNull(),
    messageId: text('message_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('chat_messages_pk').on(t.platform, t.requestId)],
);

/** Small durable key-value store for adapters (e.g. Teams conversation references) and run markers. */
export const kv = sqliteTable('kv', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** One row per digest period: a unique key makes "never posted twice" a database fact. */
export const digests = sqliteTable('digests', {
  period: text('period').primaryKey(),
  status: text('status', { enum: ['posting', 'posted'] }).notNull(),
  leaseOwner: text('lease_owner'),
  leaseUntil: integer('lease_until'),
  createdAt: integer('created_at').notNull(),
  postedAt: integer('posted_at'),
});
