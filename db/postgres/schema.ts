/**
 * The PostgreSQL schema (drizzle pg-core), from which `db/postgres/migrations` is generated. It mirrors
 * db/sqlite/schema.ts column for column. Times are `bigint` epoch milliseconds (they overflow `integer`),
 * read back as JS numbers (safe up to 2^53).
 */
import { sql } from 'drizzle-orm';
import { pgTable, bigint, bigserial, boolean, integer, serial, text, uniqueIndex, index } from 'drizzle-orm/pg-core';

const ms = (name: string) => bigint(name, { mode: 'number' });

export const requests = pgTable(
  'requests',
  {
    id: serial('id').primaryKey(),
    kind: text('kind', { enum: ['access', 'extend'] }).notNull(),
    extendsGrantId: text('extends_grant_id'),
    role: text('role').notNull(),
    resource: text('resource').notNull(),
    requesterKey: text('requester_key').notNull(),
    requesterEmail: text('requester_email'),
    requesterSlackId: text('requester_slack_id'),
    requesterTeamsId: text('requester_teams_id'),
    requesterName: text('requester_name'),
    durationMs: ms('duration_ms').notNull(),
    reason: text('reason').notNull(),
    ticket: text('ticket'),
    breakGlass: boolean('break_glass').notNull().default(false),
    autoApproved: boolean('auto_approved').notNull().default(false),
    approvalsRequired: integer('approvals_required').notNull(),
    status: text('status', { enum: ['pending', 'approved', 'denied', 'cancelled', 'expired'] }).notNull(),
    origin: text('origin').notNull(),
    createdAt: ms('created_at').notNull(),
    lapsesAt: ms('lapses_at').notNull(),
    decidedAt: ms('decided_at'),
    decidedBy: text('decided_by'),
    decisionNote: text('decision_note'),
  },
  (t) => [
    index('requests_status_lapses').on(t.status, t.lapsesAt),
    index('requests_requester').on(t.requesterKey),
    uniqueIndex('requests_one_pending').on(t.requesterKey, t.role).where(sql`status = 'pending' AND kind = 'access'`),
  ],
);

export const reviews = pgTable(
  'reviews',
  {
    id: serial('id').primaryKey(),
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
    createdAt: ms('created_at').notNull(),
  },
  (t) => [uniqueIndex('reviews_one_per_reviewer').on(t.requestId, t.reviewerKey)],
);

export const grants = pgTable(
  'grants',
  {
    id: text('id').primaryKey(),
    requestId: integer('request_id')
      .notNull()
      .references(() => requests.id),
    role: text('role').notNull(),
    resource: text('resource').notNull(),
    status: text('status', { enum: ['granting', 'active', 'revoking', 'revoked', 'failed'] }).notNull(),
    startsAt: ms('starts_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ms('next_attempt_at'),
    lastError: text('last_error'),
    leaseOwner: text('lease_owner'),
    leaseUntil: ms('lease_until'),
    appliedExpiresAt: ms('applied_expires_at'),
    revokeReason: text('revoke_reason'),
    revokedBy: text('revoked_by'),
    revokeRequestedAt: ms('revoke_requested_at'),
    revokedAt: ms('revoked_at'),
    credentials: text('credentials'),
    remindedAt: ms('reminded_at'),
    alertedAt: ms('alerted_at'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('grants_one_per_request').on(t.requestId),
    index('grants_status_expires').on(t.status, t.expiresAt),
    index('grants_status_next').on(t.status, t.nextAttemptAt),
  ],
);

/** Append-only and hash-chained; a trigger in the migrations refuses UPDATE, DELETE and TRUNCATE. */
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: ms('at').notNull(),
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
    index('audit_at').on(t.at),
    // With `seq` in the key a request's history is one ordered index range (no sort, no other index mixed in).
    index('audit_request_seq').on(t.requestId, t.seq),
    // Grants live at an instant (the digest's window start): created in a bounded look-back and not ended before
    // it. Two small partial indexes answer that without reading the rows in between (store: grantsLiveAt).
    index('audit_grant_opened').on(t.at).where(sql`action = 'grant.created'`),
    index('audit_grant_closed').on(t.grantId).where(sql`action IN ('grant.revoked', 'grant.failed')`),
  ],
);

export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    platform: text('platform').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    notice: text('notice').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'dead'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ms('next_attempt_at').notNull(),
    leaseOwner: text('lease_owner'),
    leaseUntil: ms('lease_until'),
    lastError: text('last_error'),
    createdAt: ms('created_at').notNull(),
    sentAt: ms('sent_at'),
  },
  (t) => [uniqueIndex('outbox_dedupe').on(t.platform, t.dedupeKey), index('outbox_due').on(t.status, t.nextAttemptAt)],
);

export const chatMessages = pgTable(
  'chat_messages',
  {
    platform: text('platform').notNull(),
    requestId: integer('request_id').notNull(),
    channel: text('channel').notNull(),
    messageId: text('message_id').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [uniqueIndex('chat_messages_pk').on(t.platform, t.requestId)],
);

export const kv = pgTable('kv', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: ms('updated_at').notNull(),
});

export const digests = pgTable('digests', {
  period: text('period').primaryKey(),
  status: text('status', { enum: ['posting', 'posted'] }).notNull(),
  leaseOwner: text('lease_owner'),
  leaseUntil: ms('lease_until'),
  createdAt: ms('created_at').notNull(),
  postedAt: ms('posted_at'),
});
