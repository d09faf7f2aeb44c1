/**
 * The approval card in Teams: one shared card in the approvers' channel, and each person's own view of it.
 * While a request waits, the shared card lists in `refresh.userIds` the requester and the approvers accessbot
 * knows in Teams, so Teams asks accessbot (an `adaptiveCard/action` invoke, verb `refresh`) for their view:
 * approvers who may still decide get Approve / Deny, the requester gets Cancel, everyone else reads. Anyone
 * else sees the shared card, whose Approve / Deny are checked at click time like every click (and answered
 * with the clicker's own view). Once decided, every view is the same and the refresh clause is dropped.
 */
import type { AppContext } from '../../src/app/context.ts';
import { mayReview } from '../../src/app/may-review.ts';
import type { RequestView } from '../../src/app/request-view.ts';
import { approvalCard, withoutButtons, type ChatMessage, type RichText } from '../../src/chat/index.ts';
import { isMember, samePerson, type Person } from '../../src/domain/identity.ts';
import type { TeamsConversations } from './conversations.ts';
import { TEAMS_DIALECT } from './dialect.ts';
import { renderCard, REFRESH_USERS_MAX, type AdaptiveCard } from './render/card.ts';

export interface ViewNote {
  text: RichText;
  tone: 'good' | 'attention';
}

export class ApprovalViews {
  constructor(
    private readonly ctx: AppContext,
    private readonly conversations: TeamsConversations,
  ) {}

  /** The Teams user ids that get their own view of a pending request's card: the requester, then its approvers. */
  async refreshUsers(view: RequestView): Promise<string[]> {
    if (view.status !== 'pending') return [];
    const role = this.ctx.policy.roles[view.role];
    const users = await this.conversations.users();
    const ids: string[] = [];
    const requester = view.requester.teamsId ? users.find((u) => u.aadObjectId === view.requester.teamsId) : undefined;
    if (requester) ids.push(requester.id);
    for (const user of users) {
      const person: Person = { teamsId: user.aadObjectId, email: user.email };
      if (role && isMember(role.approvers, person) && !samePerson(person, view.requester)) ids.push(user.id);
    }
    return [...new Set(ids)].slice(0, REFRESH_USERS_MAX);
  }

  /** The shared card as the channel shows it (with the refresh clause while the request waits). */
  async sharedCard(message: ChatMessage, view: RequestView | null): Promise<AdaptiveCard> {
    const pending = view?.status === 'pending';
    return renderCard(message, { surface: 'approval', refresh: pending ? { requestId: view.id, userIds: await this.refreshUsers(view) } : null });
  }

  /** The card as this person should see it now, with a line about what they just did when there is one. */
  async cardFor(view: RequestView, person: Person | null, note: ViewNote | null = null): Promise<AdaptiveCard> {
    const base = approvalCard(view, { now: this.ctx.clock.now(), dialect: TEAMS_DIALECT });
    let blocks = base.blocks;
    if (view.status === 'pending') {
      if (person && samePerson(view.requester, person)) {
        blocks = [...withoutButtons(blocks), { type: 'buttons', id: 'request_actions', buttons: [{ action: 'cancel', requestId: view.id, label: 'Cancel request' }] }];
      } else if (!person || !(await this.mayApprove(view, person))) {
        blocks = withoutButtons(blocks);
      }
    }
    const refresh = view.status === 'pending' ? { requestId: view.id, userIds: await this.refreshUsers(view) } : null;
    return renderCard({ summary: base.summary, blocks }, { surface: 'approval', refresh, note });
  }

  private async mayApprove(view: RequestView, person: Person): Promise<boolean> {
    try {
      await mayReview(this.ctx, { requestId: view.id, reviewer: person, decision: 'approve' });
      return true;
    } catch {
      return false;
    }
  }
}
