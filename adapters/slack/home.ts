/**
 * The App Home tab: published when a person opens it, and refreshed (best effort) for the people a change
 * concerns — the requester, its reviewers and the role's approvers — among those who have opened it since start.
 */
import { listAwaitingReview, listMyAccess } from '../../src/app/list-access.ts';
import type { RequestView } from '../../src/app/request-view.ts';
import type { AppContext } from '../../src/app/context.ts';
import { isMember, samePerson, type Person } from '../../src/domain/identity.ts';
import type { Logger } from '../../src/logging.ts';
import type { SlackDirectory } from './identity.ts';
import { homeView } from './render/index.ts';
import type { WebClient } from './services.ts';

export class HomeTabs {
  /** Slack user ids whose Home we keep fresh. */
  private readonly opened = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly ctx: AppContext,
    private readonly client: WebClient,
    private readonly directory: SlackDirectory,
    private readonly log: Logger,
  ) {}

  /** Render and publish one person's Home now. */
  async publish(userId: string, person?: Person): Promise<void> {
    const who = person ?? (await this.directory.person(userId));
    this.opened.add(userId);
    const mine = listMyAccess(this.ctx, who);
    const view = homeView({ grants: mine.active, pending: mine.pending, toReview: listAwaitingReview(this.ctx, who), now: this.ctx.clock.now() });
    await this.client.views.publish({ user_id: userId, view });
  }

  /** Refresh, in the background, the Homes this request's change shows up in. Never throws. */
  refreshAround(view: RequestView): void {
    const role = this.ctx.policy.roles[view.role];
    for (const userId of this.opened) {
      const person = this.directory.cached(userId) ?? (userId === view.requester.slackId ? { slackId: userId } : null);
      if (!person) continue;
      const concerned =
        samePerson(person, view.requester) || view.reviews.some((r) => samePerson(r.who, person)) || (role !== undefined && isMember(role.approvers, person));
      if (concerned) this.track(userId, person);
    }
  }

  /** Wait for background refreshes (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(userId: string, person: Person): void {
    const running = this.publish(userId, person).catch((error: unknown) => {
      this.log.debug({ user: userId, err: error instanceof Error ? error.message : String(error) }, 'home refresh failed');
    });
    this.inFlight.add(running);
    void running.finally(() => this.inFlight.delete(running));
  }
}
