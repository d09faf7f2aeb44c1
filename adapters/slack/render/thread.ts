/** Short replies in the approval card's thread, one per event, so the channel keeps a readable history. */
import type { GrantEvent } from '../../../src/app/ports.ts';
import type { RequestView } from '../../../src/app/request-view.ts';
import type { RenderOptions } from './approval-card.ts';
import { approvedBy, date, deniedBy, endedText, oneApproval } from './describe.ts';
import { mentionPerson, truncate } from './text.ts';

/** `approval`: one approval recorded, more needed. */
export type ThreadEvent = GrantEvent | 'approved' | 'denied' | 'cancelled' | 'expired' | 'approval';

export interface ThreadOptions extends RenderOptions {
  /** For 'approval': the display label of the reviewer the notice is about. */
  reviewer?: string | null;
}

export function threadMessage(view: RequestView, event: ThreadEvent, opts: ThreadOptions): string {
  const holder = mentionPerson(view.requester);
  const grant = view.grant;
  const text = ((): string => {
    switch (event) {
      case 'approval': {
        const approval = oneApproval(view, opts.reviewer ?? null);
        return `👍 ${approval.who} approved (${approval.count}).`;
      }
      case 'approved':
        if (view.breakGlass) return '🚨 Break-glass: activated without approval, flagged for review.';
        if (view.autoApproved) return '⚡ Auto-approved.';
        return `✅ Approved by ${approvedBy(view)}.`;
      case 'denied':
        return `❌ Denied by ${deniedBy(view, 1000)}.`;
      case 'cancelled':
        return '🚫 Cancelled by the requester.';
      case 'expired':
        return `⌛ Expired: nobody decided before ${date(view, view.lapsesAt)}.`;
      case 'active':
        return grant ? `🟢 Access granted to ${holder} until ${date(view, grant.expiresAt)}.` : `🟢 Access granted to ${holder}.`;
      case 'failed':
        return '❗ Granting failed; the admins were alerted.';
      case 'revoked':
        return grant ? `⏹️ Access ${endedText(view)}.` : '⏹️ Access ended.';
      case 'extended':
        // The notice belongs to the original request, so its duration is not the extension's: say only the new end.
        return grant ? `⏩ Extended: access now ends ${date(view, grant.expiresAt)}.` : '⏩ Extended.';
      case 'expiring_soon':
        return grant ? `⏰ Access ends ${date(view, grant.expiresAt)}.` : '⏰ Access ends soon.';
      case 'revoke_overdue':
        return grant
          ? `⚠️ Revoke overdue: access should have ended ${date(view, grant.expiresAt)}. accessbot keeps retrying; the auditors were alerted.`
          : '⚠️ Revoke overdue; accessbot keeps retrying.';
    }
  })();
  return truncate(text, 3000);
}
