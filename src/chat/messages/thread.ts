/** Short replies under the approval card, one per step, so the channel keeps a readable history. */
import type { GrantEvent, Notice } from '../../app/ports.ts';
import type { RequestView } from '../../app/request-view.ts';
import { approvedBy, at, deniedBy, endedText, oneApproval } from '../describe.ts';
import { mention, rich, text, type RichText } from '../rich-text.ts';

/** `approval`: one approval recorded, more needed. */
export type ThreadEvent = GrantEvent | 'approved' | 'denied' | 'cancelled' | 'expired' | 'approval';

/** Which step of the card's thread a notice is, if any. */
export function threadEventOf(notice: Notice): ThreadEvent | null {
  switch (notice.type) {
    case 'request.reviewed':
      if (notice.decision === 'deny') return 'denied';
      return notice.final ? 'approved' : 'approval';
    case 'request.closed':
      return notice.status;
    case 'grant.changed':
      return notice.event === 'expiring_soon' ? null : notice.event;
    default:
      return null;
  }
}

export interface ThreadOptions {
  /** For 'approval': the display label of the reviewer the notice is about. */
  reviewer?: string | null;
}

export function threadStep(view: RequestView, event: ThreadEvent, opts: ThreadOptions = {}): RichText {
  const holder = mention(view.requester);
  const grant = view.grant;
  switch (event) {
    case 'approval': {
      const approval = oneApproval(view, opts.reviewer ?? null);
      return rich('👍 ', approval.who, ` approved (${approval.count}).`);
    }
    case 'approved':
      if (view.breakGlass) return rich('🚨 Break-glass: activated without approval, flagged for review.');
      if (view.autoApproved) return rich('⚡ Auto-approved.');
      return rich('✅ Approved by ', approvedBy(view), '.');
    case 'denied':
      return rich('❌ Denied by ', deniedBy(view, 1000), '.');
    case 'cancelled':
      return rich('🚫 Cancelled by the requester.');
    case 'expired':
      return rich('⌛ Expired: nobody decided before ', at(view, view.lapsesAt), '.');
    case 'active':
      return grant ? rich('🟢 Access granted to ', holder, ' until ', at(view, grant.expiresAt), '.') : rich('🟢 Access granted to ', holder, '.');
    case 'failed':
      return rich('❗ Granting failed; the admins were alerted.');
    case 'revoked':
      return grant ? rich('⏹️ Access ', endedText(view), '.', grant.activity ? rich(' Activity: ', text(grant.activity, 300), '.') : null) : rich('⏹️ Access ended.');
    case 'extended':
      // The notice belongs to the original request, so its duration is not the extension's: say only the new end.
      return grant ? rich('⏩ Extended: access now ends ', at(view, grant.expiresAt), '.') : rich('⏩ Extended.');
    case 'expiring_soon':
      return grant ? rich('⏰ Access ends ', at(view, grant.expiresAt), '.') : rich('⏰ Access ends soon.');
    case 'revoke_overdue':
      return grant
        ? rich('⚠️ Revoke overdue: access should have ended ', at(view, grant.expiresAt), '. accessbot keeps retrying; the auditors were alerted.')
        : rich('⚠️ Revoke overdue; accessbot keeps retrying.');
  }
}
