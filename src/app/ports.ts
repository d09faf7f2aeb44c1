/**
 * The outbound chat port. Decisions write notices to the outbox in their own transaction; a dispatcher
 * delivers each notice after commit to every configured platform adapter, which renders it (approval card,
 * thread reply, private message, audit channel post). Notices carry ids only: the adapter renders from the
 * request's current state, so a late or repeated delivery shows the truth, never a stale copy.
 */
import type { RequestView } from './request-view.ts';
import type { RequestId } from '../domain/request-id.ts';

export type GrantEvent = 'active' | 'failed' | 'revoked' | 'extended' | 'expiring_soon' | 'revoke_overdue';

/**
 * `checkpoint`: a signed audit chain head (src/scheduler/checkpoint.ts); its text is the checkpoint line.
 * `policy`: a new policy file is in force (what changed); `policy_rejected`: a changed file was refused and the
 * running policy kept (its problems) — src/app/reload-policy.ts.
 */
export type AlertCode = 'break_glass' | 'revoke_overdue' | 'grant_failed' | 'orphan' | 'drift' | 'cleanup_pending' | 'checkpoint' | 'policy' | 'policy_rejected';

export type Notice =
  /** A new request (or extension request): post the approval card, tell the requester it was filed. */
  | { type: 'request.filed'; requestId: RequestId }
  /** Someone approved or denied: update the card; on a final decision tell the requester. */
  | { type: 'request.reviewed'; requestId: RequestId; reviewer: string; decision: 'approve' | 'deny'; final: boolean; note?: string | null }
  /** Still waiting: remind `members` (policy atoms: eligible, not reviewed) privately; say so in the card's thread. */
  | { type: 'request.reminded'; requestId: RequestId; round: number; members: string[] }
  /** Waited past escalate_after: tell the escalation group (`members`) and its channel; say so in the thread. */
  | { type: 'request.escalated'; requestId: RequestId; members: string[] }
  /** The requester asked for urgency: message `members` at once with `note`; the paging hook gets it too. */
  | { type: 'request.expedited'; requestId: RequestId; by: string; note: string | null; members: string[] }
  /** Cancelled by the requester or lapsed: update the card, tell the requester. */
  | { type: 'request.closed'; requestId: RequestId; status: 'cancelled' | 'expired' }
  /** A grant changed: update the card, reply in its thread, tell the holder. */
  | { type: 'grant.changed'; requestId: RequestId; grantId: string; event: GrantEvent; detail?: string | null }
  /** The holder ran a runbook action (src/app/run-action.ts): one line in the card's thread. */
  | { type: 'action.ran'; requestId: RequestId; grantId: string; action: string; outcome: string; exitCode: number | null; durationMs: number }
  /** Something an auditor must see now, posted to the audit channel. */
  | { type: 'audit.alert'; code: AlertCode; text: string; requestId?: RequestId | null }
  /** The periodic digest, posted to the audit channel. */
  | { type: 'digest'; period: string; title: string; markdown: string };

export interface ChatPort {
  readonly platform: string;
  /** Deliver one notice. Throw to have it retried later; must tolerate being called again for the same notice. */
  deliver(notice: Notice, view: RequestView | null): Promise<void>;
}
