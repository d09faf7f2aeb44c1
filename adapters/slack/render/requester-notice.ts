/** Private messages to the person who asked: filed, decided, active, ending, ended, failed. */
import { formatDuration } from '../../../src/domain/duration.ts';
import type { Notice } from '../../../src/app/ports.ts';
import type { RequestView } from '../../../src/app/request-view.ts';
import type { RenderOptions } from './approval-card.ts';
import { actions, button, confirmDialog, context, section, type SlackBlock, type SlackMessage } from './blocks.ts';
import { approvalsOf, approvedBy, approversText, date, deniedBy, endedByExpiry, endedText, grantLine, oneApproval, roleOnResource, statusText } from './describe.ts';
import { ACTION_IDS, requestButtonValue } from './ids.ts';
import { actorLabel, plural, truncate } from './text.ts';
import { relativeTo } from './time.ts';

const message = (text: string, ...extra: SlackBlock[]): SlackMessage => {
  const body = truncate(text, 3000);
  return { text: truncate(body.split('\n')[0]!, 300), blocks: [section(body), ...extra] };
};

/**
 * The DM for the requester about this notice, or null when the requester need not hear about it
 * (audit alerts, digests). A notice's `detail` is never shown: on a failed grant it is the provider's error.
 */
export function requesterNotice(view: RequestView, notice: Notice, opts: RenderOptions): SlackMessage | null {
  const value = requestButtonValue(view.id);
  const what = `${view.ref} ${roleOnResource(view)}`;
  switch (notice.type) {
    case 'request.filed': {
      if (view.breakGlass) {
        return message(`🚨 Break-glass ${what} for ${formatDuration(view.durationMs)}: access is being set up now. This is flagged for review by the auditors.`);
      }
      // Only an auto-approval: a filed notice delivered late (after a person approved) still says it was filed.
      if (view.autoApproved) {
        const verb = view.kind === 'extend' ? `Your extension ${what} (+${formatDuration(view.durationMs)})` : `Your request ${what} for ${formatDuration(view.durationMs)}`;
        return message(`⚡ ${verb} was auto-approved. Setting up access…`);
      }
      const remaining = Math.max(view.approvalsRequired, 0);
      const intro = view.kind === 'extend' ? `📨 Your request to extend ${what} by ${formatDuration(view.durationMs)} was filed.` : `📨 Your request ${what} for ${formatDuration(view.durationMs)} was filed.`;
      return message(
        `${intro}\nWaiting for ${plural(remaining, 'approval')} from ${approversText(view, 1500)}.\nIf nobody decides, it lapses ${date(view, view.lapsesAt)}.`,
        actions(`notice_${view.id}`, button('Cancel request', ACTION_IDS.cancel, value, undefined, confirmDialog('Cancel request?', `${view.ref} will be withdrawn.`, 'Cancel it', 'Keep it'))),
      );
    }
    case 'request.reviewed': {
      if (notice.decision === 'deny') return message(`❌ Your request ${what} was denied by ${deniedBy(view, 1500)}.`);
      if (!notice.final) {
        const approval = oneApproval(view, notice.reviewer);
        return message(`👍 ${approval.who} approved your request ${what} (${approval.count}).`);
      }
      const by = approvalsOf(view).length ? approvedBy(view) : actorLabel(notice.reviewer);
      if (view.kind === 'extend') {
        // Applied: the original request's "extended" DM says the new end, so nothing more here.
        if (view.grant?.status === 'active') return null;
        return message(`✅ Your request to extend ${what} was approved by ${by}, but the access has ended. Ask for new access with \`/request-access\` if you need more.`);
      }
      return message(`✅ Your request ${what} was approved by ${by}. Setting up access…`);
    }
    case 'request.closed':
      return notice.status === 'cancelled'
        ? message(`🚫 You cancelled ${what}.`)
        : message(`⌛ Your request ${what} lapsed: nobody decided before ${date(view, view.lapsesAt)}. File a new one with \`/request-access\`.`);
    case 'grant.changed':
      return grantNotice(view, notice.event, opts, value, what);
    case 'audit.alert':
    case 'digest':
      return null;
  }
}

function grantNotice(
  view: RequestView,
  event: Extract<Notice, { type: 'grant.changed' }>['event'],
  opts: RenderOptions,
  value: string,
  what: string,
): SlackMessage | null {
  const grant = view.grant;
  if (!grant) return null;
  const until = date(view, grant.expiresAt);
  switch (event) {
    case 'active': {
      const buttons = [
        ...(grant.hasCredentials ? [button('Show credentials', ACTION_IDS.showCredentials, value, 'primary')] : []),
        button('End access now', ACTION_IDS.revoke, value, 'danger', confirmDialog('End access now?', `Your access ${view.ref} ends immediately.`, 'End it', 'Keep it')),
      ];
      const creds = grant.hasCredentials ? '\nYour credentials are shown only to you: press *Show credentials*.' : '';
      return message(`🟢 Your access ${what} is active until ${until}.${creds}`, actions(`notice_${view.id}`, ...buttons));
    }
    case 'extended':
      return message(`⏩ Your access ${what} was extended: it now ends ${until}.`);
    case 'expiring_soon':
      return message(
        `⏰ Your access ${what} ends ${until} (${relativeTo(grant.expiresAt, opts.now)}). Need more time? Ask to extend it.`,
        actions(`notice_${view.id}`, button('Extend', ACTION_IDS.extendOpen, value, 'primary')),
      );
    case 'revoked':
      return endedByExpiry(view)
        ? message(`⏹️ Your access ${what} ${endedText(view)}. File a new request with \`/request-access\` if you need more.`)
        : message(`⏹️ Your access ${what} was ${endedText(view)}.`);
    case 'failed':
      // The notice's detail is the provider's own error (hosts, SQL, HTTP statuses): it goes to the audit
      // channel for the admins, never to the requester.
      return message(`❗ accessbot could not set up your access ${what}, so nothing was granted. The admins were alerted with the details; once they have looked at it, file a new request with \`/request-access\`.`);
    case 'revoke_overdue':
      return message(`⚠️ Your access ${what} should have ended ${until}, but removing it is taking longer. accessbot keeps retrying; please stop using it.`);
  }
}

/**
 * A DM whose buttons no longer do anything (the request was decided, the access ended): the same words, the
 * buttons gone, and one line saying where things stand now.
 */
export function retiredNotice(dm: { text: string; blocks: readonly SlackBlock[] }, view: RequestView, live: 'pending' | 'active'): SlackMessage {
  const now = live === 'pending' ? statusText(view).split('\n')[0]! : (grantLine(view) ?? '⏹️ This access has ended');
  return { text: dm.text, blocks: [...dm.blocks.filter((b) => b.type !== 'actions'), context(truncate(/[.…!?]$/.test(now) ? now : `${now}.`, 3000))] };
}
