/**
 * The audit events the core writes, in one table: each action's name and the shape of its `details`. The
 * writers (src/app, through `appendAudit`) can only append an event described here, with exactly its details;
 * the digest reads details back with `readDetails`, typed by the same table, instead of picking keys out of
 * parsed JSON by hand. Adding or changing an event is one edit here, and the compiler points at every writer
 * and reader it affects.
 */
import type { GrantStatus } from '../domain/grant-rules.ts';

/** What a provider reported about a call (its own keys); spread into the details of the events that carry it. */
export type ProviderDetail = Record<string, unknown>;

/** An instant as ISO 8601 text. */
type IsoTime = string;

/** sha256 of the policy file a decision was taken under (`Policy.hash`; see `policy.loaded`). */
type PolicyHash = string;

interface ReviewDetails {
  note: string | null;
  policy_hash: PolicyHash;
  /** While more approvals are needed: approvals so far and how many remain. */
  approvals?: number;
  remaining?: number;
}

interface RevokeAskedDetails {
  /** The note given (or why: expired, revoked early, orphan). */
  reason: string;
  expires_at: IsoTime;
}

/** Action → details, as written. */
export interface AuditDetails {
  'request.created': { role: string; resource: string; duration: string; reason: string; ticket: string | null; break_glass: boolean; approvals_required: number; origin: string; policy_hash: PolicyHash };
  'request.auto_approved': { rule: 'auto_approve.max_duration' };
  'request.break_glass': { flagged_for_review: true };
  'request.approved': { note: string | null; policy_hash: PolicyHash };
  'request.denied': { note: string | null; policy_hash: PolicyHash };
  'request.cancelled': Record<string, never>;
  'request.expired': { why: string };
  /** A waiting request's approvers who had not reviewed it were reminded (reminder `round`, 1 = the first). */
  'request.reminded': { round: number; waited: string; reminded: string[] };
  /** A waiting request escalated after `waited`: `escalated_to` may now approve it too. */
  'request.escalated': { waited: string; escalated_to: string[] };
  /** The requester asked for urgency: `paged` were messaged at once; `webhook` says whether the paging hook is called. */
  'request.expedited': { note: string | null; paged: string[]; webhook: boolean };
  'review.approved': ReviewDetails;
  'review.denied': ReviewDetails;
  /** `extends` is the ref of the request whose grant is extended (AR-N). */
  'extension.requested': { extends: string; role: string; by: string; new_expiry: IsoTime; reason: string; auto_approved: boolean; policy_hash: PolicyHash };
  'extension.void': { why: string };
  'grant.created': { role: string; resource: string; starts_at: IsoTime; expires_at: IsoTime; policy_hash: PolicyHash };
  'grant.active': { credentials_issued: boolean; expires_at: IsoTime; attempts: number };
  'grant.attempt_failed': { attempt: number; error: string };
  'grant.failed': { attempts: number; error: string };
  /** `extension_request` is the ref of the approved extension request (AR-N). */
  'grant.extended': { extension_request: string; from: IsoTime; to: IsoTime; policy_hash: PolicyHash };
  'grant.extension_applied': { expires_at: IsoTime };
  'grant.extension_failed': { error: string; requested_expiry: IsoTime; expiry_kept: IsoTime };
  'grant.expired': RevokeAskedDetails;
  'grant.revoke_requested': RevokeAskedDetails;
  'grant.revoke_failed': { attempt: number; error: string; will_retry: true };
  /** `late_ms`/`late` only for a revoke at expiry: how long after the expiry access ended. */
  'grant.revoked': { reason: string | null; late_ms?: number; late?: boolean; attempts: number };
  'grant.undone_at_target': { why: string; status_here: GrantStatus; revoked: boolean; error?: string };
  /**
   * What the holder did, as the target reported it (src/app/record-activity.ts): `phase` "during" (a sample
   * while active: sessions new since the last one) or "at revoke" (everything, before the login went).
   * The lists are bounded, with an "and N more …" line last when cut.
   */
  'grant.activity': {
    phase: string;
    source: string;
    summary: string;
    sessions: number;
    statements_run: number;
    distinct_statements: number;
    actions_reported: number;
    session_lines: string[];
    statement_lines: string[];
    event_lines: string[];
    statements_unavailable?: string;
  };
  /** A runbook action run by a grant's holder (src/app/run-action.ts); `excerpt` is the start of its output. */
  'action.ran': { action: string; role: string; outcome: string; exit_code?: number; duration_ms: number; output_bytes: number; output_truncated: boolean; excerpt: string };
  'notice.undelivered': { platform: string; notice: string; alert?: string; attempts: number; first_queued_at: IsoTime; last_error: string };
  'reconcile.orphan': { resource: string; known_as: GrantStatus | null; revoked: boolean; error?: string };
  'reconcile.drift': { resource: string; role: string; expires_at: IsoTime; found: string };
  'digest.posted': { period: string; since: IsoTime; until: IsoTime; events: number; head_seq: number | null; head_hash: string | null; posted_to: string[] };
  /**
   * This process now decides under the policy file with sha256 `hash` (at start when it differs from the last
   * one recorded, then at each reload). `changes`: what differs from `previous_hash`, one line each.
   */
  'policy.loaded': {
    hash: PolicyHash;
    previous_hash: PolicyHash | null;
    /** `start`, `SIGHUP` or `file change`. */
    trigger: string;
    path: string;
    instance: string;
    roles_added: string[];
    roles_removed: string[];
    roles_changed: string[];
    changes: string[];
  };
  /** From this row on (itself included) every row is keyed: HMAC-SHA256 under the named key (src/audit/chain.ts). */
  'audit.keyed': { key_id: string; algorithm: string; source: string };
  /** Signed with the old key; the rows after it are keyed with the new one. */
  'audit.key_rotated': { from_key_id: string; to_key_id: string; algorithm: string };
}

export type AuditAction = keyof AuditDetails;

/** The events whose details also carry what the provider reported (`ProviderDetail`). */
type WithProviderDetail = 'grant.active' | 'grant.attempt_failed' | 'grant.failed' | 'grant.revoked';

/** One event as a writer appends it: an action and exactly its details. */
export type AuditEvent = {
  [A in AuditAction]: { action: A; details: A extends WithProviderDetail ? ProviderDetail & AuditDetails[A] : AuditDetails[A] };
}[AuditAction];

// Reading details back. Rows are read leniently (a row written before a field existed, or damaged): a field
// that is missing or not of its kind reads as null, and so does empty text.

type Kind = 'text' | 'number' | 'flag' | 'texts';
interface KindValue {
  text: string;
  number: number;
  flag: boolean;
  texts: string[];
}
type KindOf<T> = T extends string ? 'text' : T extends number ? 'number' : T extends boolean ? 'flag' : T extends readonly string[] ? 'texts' : never;
type FieldKinds<T> = { [K in keyof T]-?: KindOf<NonNullable<T[K]>> };

/** An action's details as read back: every field of the table, its value or null. */
export type AuditRead<A extends AuditAction> = { [K in keyof AuditDetails[A]]-?: KindValue[FieldKinds<AuditDetails[A]>[K]] | null };

/** The kind of every field of every event; the compiler keeps it equal to `AuditDetails`. */
const FIELDS: { [A in AuditAction]: FieldKinds<AuditDetails[A]> } = {
  'request.created': { role: 'text', resource: 'text', duration: 'text', reason: 'text', ticket: 'text', break_glass: 'flag', approvals_required: 'number', origin: 'text', policy_hash: 'text' },
  'request.auto_approved': { rule: 'text' },
  'request.break_glass': { flagged_for_review: 'flag' },
  'request.approved': { note: 'text', policy_hash: 'text' },
  'request.denied': { note: 'text', policy_hash: 'text' },
  'request.cancelled': {},
  'request.expired': { why: 'text' },
  'request.reminded': { round: 'number', waited: 'text', reminded: 'texts' },
  'request.escalated': { waited: 'text', escalated_to: 'texts' },
  'request.expedited': { note: 'text', paged: 'texts', webhook: 'flag' },
  'review.approved': { note: 'text', policy_hash: 'text', approvals: 'number', remaining: 'number' },
  'review.denied': { note: 'text', policy_hash: 'text', approvals: 'number', remaining: 'number' },
  'extension.requested': { extends: 'text', role: 'text', by: 'text', new_expiry: 'text', reason: 'text', auto_approved: 'flag', policy_hash: 'text' },
  'extension.void': { why: 'text' },
  'grant.created': { role: 'text', resource: 'text', starts_at: 'text', expires_at: 'text', policy_hash: 'text' },
  'grant.active': { credentials_issued: 'flag', expires_at: 'text', attempts: 'number' },
  'grant.attempt_failed': { attempt: 'number', error: 'text' },
  'grant.failed': { attempts: 'number', error: 'text' },
  'grant.extended': { extension_request: 'text', from: 'text', to: 'text', policy_hash: 'text' },
  'grant.extension_applied': { expires_at: 'text' },
  'grant.extension_failed': { error: 'text', requested_expiry: 'text', expiry_kept: 'text' },
  'grant.expired': { reason: 'text', expires_at: 'text' },
  'grant.revoke_requested': { reason: 'text', expires_at: 'text' },
  'grant.revoke_failed': { attempt: 'number', error: 'text', will_retry: 'flag' },
  'grant.revoked': { reason: 'text', late_ms: 'number', late: 'flag', attempts: 'number' },
  'grant.undone_at_target': { why: 'text', status_here: 'text', revoked: 'flag', error: 'text' },
  'grant.activity': {
    phase: 'text',
    source: 'text',
    summary: 'text',
    sessions: 'number',
    statements_run: 'number',
    distinct_statements: 'number',
    actions_reported: 'number',
    session_lines: 'texts',
    statement_lines: 'texts',
    event_lines: 'texts',
    statements_unavailable: 'text',
  },
  'action.ran': { action: 'text', role: 'text', outcome: 'text', exit_code: 'number', duration_ms: 'number', output_bytes: 'number', output_truncated: 'flag', excerpt: 'text' },
  'notice.undelivered': { platform: 'text', notice: 'text', alert: 'text', attempts: 'number', first_queued_at: 'text', last_error: 'text' },
  'reconcile.orphan': { resource: 'text', known_as: 'text', revoked: 'flag', error: 'text' },
  'reconcile.drift': { resource: 'text', role: 'text', expires_at: 'text', found: 'text' },
  'digest.posted': { period: 'text', since: 'text', until: 'text', events: 'number', head_seq: 'number', head_hash: 'text', posted_to: 'texts' },
  'policy.loaded': {
    hash: 'text',
    previous_hash: 'text',
    trigger: 'text',
    path: 'text',
    instance: 'text',
    roles_added: 'texts',
    roles_removed: 'texts',
    roles_changed: 'texts',
    changes: 'texts',
  },
  'audit.keyed': { key_id: 'text', algorithm: 'text', source: 'text' },
  'audit.key_rotated': { from_key_id: 'text', to_key_id: 'text', algorithm: 'text' },
};

/** True for an action the core writes (rows of other actions carry nothing the core reads). */
export function isAuditAction(action: string): action is AuditAction {
  return Object.hasOwn(FIELDS, action);
}

/** The details of a row of `action`, typed by the table; see above for how missing or odd values read. */
export function readDetails<A extends AuditAction>(action: A, details: string): AuditRead<A> {
  const parsed = parseObject(details);
  const read: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(FIELDS[action]) as Array<[string, Kind]>) read[field] = valueOf(parsed[field], kind);
  return read as AuditRead<A>;
}

/** Details are JSON objects written by the core; anything else reads as empty. */
function parseObject(details: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(details);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function valueOf(value: unknown, kind: Kind): KindValue[Kind] | null {
  switch (kind) {
    case 'text':
      return typeof value === 'string' && value !== '' ? value : null;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    case 'flag':
      return typeof value === 'boolean' ? value : null;
    case 'texts':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : null;
  }
}
