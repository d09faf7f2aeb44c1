/** Revokes that should have happened more than a grace period ago: what /healthz and /metrics report as degraded. */
import { REVOKE_OVERDUE_AFTER_MS } from '../domain/thresholds.ts';
import type { AppContext } from './context.ts';

/**
 * Grants still holding (or maybe holding) access more than `graceMs` after they should have ended: past expiry
 * and not revoked yet, or revoked early more than `graceMs` ago and still not confirmed by the target. The same
 * rule as `isRevokeOverdue` (src/domain/thresholds.ts), counted in the store.
 */
export function countOverdueRevokes(ctx: Pick<AppContext, 'store' | 'clock'>, graceMs = REVOKE_OVERDUE_AFTER_MS): Promise<number> {
  return ctx.store.countOverdueRevokes(ctx.clock.now() - graceMs);
}
