/**
 * The time thresholds of a grant's end, named once: when a revoke counts as late or overdue, and when the
 * holder is reminded. The executor, the expiry sweep, /healthz and /metrics, the request views and the audit
 * digest all read them from here, so they can never disagree.
 */
import { isTerminalGrant, type GrantStatus } from './grant-rules.ts';

/** A revoke at expiry that ends access more than this long after the expiry is late (audited, and called out in the digest). */
const REVOKE_LATE_AFTER_MS = 5_000;

/** A grant still live this long after its expiry, or an early revoke unconfirmed this long, is overdue (/healthz: degraded). */
export const REVOKE_OVERDUE_AFTER_MS = 60_000;

/** The holder is reminded this long before a grant expires… */
export const REMINDER_LEAD_MS = 5 * 60_000;
/** …when the grant lasts at least this long (a shorter one would be reminded almost as soon as it starts). */
export const REMINDER_MIN_GRANT_MS = 2 * REMINDER_LEAD_MS;

/** A revoke at expiry that ended access `lateMs` after the expiry. */
export function isLateRevoke(lateMs: number): boolean {
  return lateMs > REVOKE_LATE_AFTER_MS;
}

/**
 * Still holding (or maybe holding) access more than `graceMs` after it should have ended: live and past its
 * expiry by more than `graceMs`, or an early revoke unconfirmed for more than `graceMs`. The same rule as the
 * store's `countOverdueRevokes`, for views (chat, `grants list`) that must agree with /healthz.
 */
export function isRevokeOverdue(grant: { status: GrantStatus; expiresAt: number; revokeRequestedAt: number | null }, now: number, graceMs = REVOKE_OVERDUE_AFTER_MS): boolean {
  const cutoff = now - graceMs;
  const live = !isTerminalGrant(grant.status);
  return (live && grant.expiresAt < cutoff) || (grant.status === 'revoking' && grant.revokeRequestedAt !== null && grant.revokeRequestedAt < cutoff);
}
