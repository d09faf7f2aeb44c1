/** Revokes that should have happened more than a grace period ago: what /healthz reports as degraded. */
import type { GrantRecord } from '../../db/store/records.ts';
import type { AppContext } from '../app/context.ts';

export const REVOKE_OVERDUE_AFTER_MS = 60_000;

/**
 * Grants still holding (or maybe holding) access more than `graceMs` after they should have ended: past expiry
 * and not revoked yet, or revoked early more than `graceMs` ago and still not confirmed by the target.
 */
export async function countOverdueRevokes(ctx: Pick<AppContext, 'store' | 'clock'>, graceMs = REVOKE_OVERDUE_AFTER_MS): Promise<number> {
  return ctx.store.countOverdueRevokes(ctx.clock.now() - graceMs);
}

/**
 * The same rule for one grant, for views (App Home, /access, `grants list`) that must agree with /healthz:
 * past its expiry by more than `graceMs` and not revoked, or an early revoke unconfirmed for more than `graceMs`.
 */
export function isRevokeOverdue(grant: Pick<GrantRecord, 'status' | 'expiresAt' | 'revokeRequestedAt'>, now: number, graceMs = REVOKE_OVERDUE_AFTER_MS): boolean {
  const cutoff = now - graceMs;
  const live = grant.status === 'granting' || grant.status === 'active' || grant.status === 'revoking';
  return (live && grant.expiresAt < cutoff) || (grant.status === 'revoking' && grant.revokeRequestedAt !== null && grant.revokeRequestedAt < cutoff);
}
