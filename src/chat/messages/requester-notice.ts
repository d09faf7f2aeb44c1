/**
 * Private messages to the person who asked: filed, decided, active, ending (with Extend), ended, failed — and
 * the same message once its buttons no longer do anything.
 */
import { runActionButton } from './action-run.ts';
import { formatDuration } from '../../domain/duration.ts';
import type { GrantEvent, Notice } from '../../app/ports.ts';
import type { RequestView } from '../../app/request-view.ts';
import { command } from '../dialect.ts';
import { actor, approvalsOf, approvedBy, approversText, at, deniedBy, endedByExpiry, endedText, grantLine, oneApproval, refAndRole, statusText } from '../describe.ts';
import { withoutButtons, type Button, type ChatMessage } from '../message.ts';
import { bold, endsWithAny, firstLine, plural, rich, type Inline, type RichText } from '../rich-text.ts';
import { relativeTo } from '../time.ts';
import type { RenderOptions } from './approval-card.ts';
import { expediteButton } from './waiting.ts';

/** One paragraph (the first line is the summary) and, optionally, buttons. */
function message(view: RequestView, body: RichText, buttons: Button[] = []): ChatMessage {
  return {
    summary: firstLine(body),
    blocks: [{ type: 'paragraph', text: body }, ...(buttons.length ? [{ type: 'buttons' as const, id: `notice_${view.id}`, buttons }] : [])],
  };
}

/**
 * The private message for the requester about this notice, or null when the requester need not hear about
 * it (audit alerts, digests). A notice's `detail` is never shown: on a failed grant it is the provider's error.
 */
export function requesterNotice(view: RequestView, notice: Notice, opts: RenderOptions): ChatMessage | null {
  const what = refAndRole(view);
  const requestAccess = command(opts.dialect, 'request-access');
  const duration = formatDuration(view.durationMs);
  switch (notice.type) {
    case 'request.filed': {
      if (view.breakGlass) {
        return message(view, rich('🚨 Break-glass ', what, ` for ${duration}: access is being set up now. This is flagged for review by the auditors.`));
      }
      // Only an auto-approval: a filed notice delivered late (after a person approved) still says it was filed.
      if (view.autoApproved) {
        const verb = view.kind === 'extend' ? rich('Your extension ', what, ` (+${duration})`) : rich('Your request ', what, ` for ${duration}`);
        return message(view, rich('⚡ ', verb, ' was auto-approved. Setting up access…'));
      }
      const intro = view.kind === 'extend' ? rich('📨 Your request to extend ', what, ` by ${duration} was filed.`) : rich('📨 Your request ', what, ` for ${duration} was filed.`);
      return message(
        view,
        rich(intro, `\nWaiting for ${plural(Math.max(view.approvalsRequired, 0), 'approval')} from `, approversText(view, opts.dialect, 1500), '.\nIf nobody decides, it lapses ', at(view, view.lapsesAt), '.', waitingSchedule(view)),
        [{ action: 'cancel', requestId: view.id, label: 'Cancel request', confirm: { title: 'Cancel request?', text: `${view.ref} will be withdrawn.`, yes: 'Cancel it', no: 'Keep it' } }, ...expediteButton(view)],
      );
    }
    case 'request.reviewed': {
      if (notice.decision === 'deny') return message(view, rich('❌ Your request ', what, ' was denied by ', deniedBy(view, 1500), '.'));
      if (!notice.final) {
        const approval = oneApproval(view, notice.reviewer);
        return message(view, rich('👍 ', approval.who, ' approved your request ', what, ` (${approval.count}).`));
      }
      const by = approvalsOf(view).length ? approvedBy(view) : actor(notice.reviewer);
      if (view.kind === 'extend') {
        // Applied: the original request's "extended" message says the new end, so nothing more here.
        if (view.grant?.status === 'active') return null;
        return message(view, rich('✅ Your request to extend ', what, ' was approved by ', by, ', but the access has ended. Ask for new access with ', requestAccess, ' if you need more.'));
      }
      return message(view, rich('✅ Your request ', what, ' was approved by ', by, '. Setting up access…'));
    }
    case 'request.closed':
      return notice.status === 'cancelled'
        ? message(view, rich('🚫 You cancelled ', what, '.'))
        : message(view, rich('⌛ Your request ', what, ' lapsed: nobody decided before ', at(view, view.lapsesAt), '. File a new one with ', requestAccess, '.'));
    case 'grant.changed':
      return grantNotice(view, notice.event, opts, what, requestAccess);
    case 'audit.alert':
    case 'digest':
    case 'request.reminded':
    case 'request.escalated':
    case 'request.expedited':
    case 'action.ran': // the holder saw the output privately when they ran it
      return null;
  }
}

/** "Next reminder …, escalates …" when the role schedules any (who was asked is said above). */
function waitingSchedule(view: RequestView): RichText | null {
  const w = view.waiting;
  if (!w || (w.nextReminderAt === null && w.escalatesAt === null)) return null;
  return rich('\n', w.nextReminderAt !== null && rich('Approvers are reminded ', at(view, w.nextReminderAt)), w.nextReminderAt !== null && w.escalatesAt !== null && '; ', w.escalatesAt !== null && rich('it escalates ', at(view, w.escalatesAt)), '.');
}

function grantNotice(view: RequestView, event: GrantEvent, opts: RenderOptions, what: RichText, requestAccess: Inline): ChatMessage | null {
  const grant = view.grant;
  if (!grant) return null;
  const until = at(view, grant.expiresAt);
  switch (event) {
    case 'active': {
      const buttons: Button[] = [
        ...(grant.hasCredentials ? [{ action: 'show_credentials' as const, requestId: view.id, label: 'Show credentials', style: 'primary' as const }] : []),
        { action: 'revoke', requestId: view.id, label: 'End access now', style: 'danger', confirm: { title: 'End access now?', text: `Your access ${view.ref} ends immediately.`, yes: 'End it', no: 'Keep it' } },
        ...(view.actions ?? []).slice(0, 5).map((action) => runActionButton(action, view.id)),
      ];
      const creds = grant.hasCredentials ? rich('\nYour credentials are shown only to you: press ', bold('Show credentials'), '.') : null;
      return message(view, rich('🟢 Your access ', what, ' is active until ', until, '.', creds), buttons);
    }
    case 'extended':
      return message(view, rich('⏩ Your access ', what, ' was extended: it now ends ', until, '.'));
    case 'expiring_soon':
      return message(view, rich('⏰ Your access ', what, ' ends ', until, ` (${relativeTo(grant.expiresAt, opts.now)}). Need more time? Ask to extend it.`), [
        { action: 'extend', requestId: view.id, label: 'Extend', style: 'primary' },
      ]);
    case 'revoked':
      return endedByExpiry(view)
        ? message(view, rich('⏹️ Your access ', what, ' ', endedText(view), '. File a new request with ', requestAccess, ' if you need more.'))
        : message(view, rich('⏹️ Your access ', what, ' was ', endedText(view), '.'));
    case 'failed':
      // The notice's detail is the provider's own error (hosts, SQL, HTTP statuses): it goes to the audit
      // channel for the admins, never to the requester.
      return message(
        view,
        rich('❗ accessbot could not set up your access ', what, ', so nothing was granted. The admins were alerted with the details; once they have looked at it, file a new request with ', requestAccess, '.'),
      );
    case 'revoke_overdue':
      return message(view, rich('⚠️ Your access ', what, ' should have ended ', until, ', but removing it is taking longer. accessbot keeps retrying; please stop using it.'));
  }
}

/** While what is true the buttons of a message still work, or null when it has no such buttons. */
export type ButtonsLive = 'pending' | 'active';

/** Which state a message's buttons depend on: Cancel while pending; Show credentials, End access, Extend while active. */
export function buttonsLiveWhile(message: ChatMessage): ButtonsLive | null {
  const actions = message.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons.map((x) => x.action) : []));
  if (actions.includes('cancel')) return 'pending';
  if (actions.some((a) => a === 'show_credentials' || a === 'revoke' || a === 'extend')) return 'active';
  return null;
}

/** Do the buttons of a message of this kind still do something for this request? */
export function buttonsStillLive(live: ButtonsLive, view: RequestView): boolean {
  return live === 'pending' ? view.status === 'pending' : view.grant?.status === 'active';
}

/**
 * A message whose buttons no longer do anything (the request was decided, the access ended): the same words,
 * the buttons gone, and one line saying where things stand now.
 */
export function retiredNotice(sent: ChatMessage, view: RequestView, live: ButtonsLive): ChatMessage {
  const now = live === 'pending' ? firstLine(statusText(view)) : (grantLine(view) ?? rich('⏹️ This access has ended'));
  return { summary: sent.summary, blocks: [...withoutButtons(sent.blocks), { type: 'note', text: endsWithAny(now, '.…!?') ? now : rich(now, '.') }] };
}
