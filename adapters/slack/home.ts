/**
 * The App Home tab: published when a person opens it, and refreshed (best effort) for the people a change
 * concerns — the requester, its reviewers and the role's approvers — among those who have opened it since start.
 *
 * Whom to refresh is decided with the person as last resolved for that Home (kept with it, not subject to the
 * identity cache's TTL), so an approver whose cache entry expired still sees new requests appear. The Home is
 * only a view: every click on it is authorised afresh by the core. Renders for one person run one at a time,
 * with at most one more queued, so an older render never lands after a newer one.
 */
import { listAwaitingReview, listMyAccess } from '../../src/app/list-access.ts';
import type { RequestView } from '../../src/app/request-view.ts';
import type { AppContext } from '../../src/app/context.ts';
import { isMember, samePerson, type Person } from '../../src/domain/identity.ts';
import type { Logger } from '../../src/logging.ts';
import type { SlackDirectory } from './identity.ts';
import { homeView } from './render/index.ts';
import type { WebClient } from './services.ts';

interface Slot {
  /** The person to render for next, when another render was asked for while one ran. */
  again: Person | null;
  done: Promise<void>;
}

export class HomeTabs {
  /** Slack user id → the person their Home was last rendered for. */
  private readonly opened = new Map<string, Person>();
  private readonly slots = new Map<string, Slot>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly ctx: AppContext,
    private readonly client: WebClient,
    private readonly directory: SlackDirectory,
    private readonly log: Logger,
  ) {}

  /** Render and publish one person's Home now (they opened it). Throws when Slack cannot say who they are. */
  async publish(userId: string, person?: Person): Promise<void> {
    const who = person ?? (await this.directory.person(userId));
    this.opened.set(userId, who);
    await this.schedule(userId, who);
  }

  /** Refresh, in the background, the Homes this request's change shows up in. Never throws. */
  refreshAround(view: RequestView): void {
    const role = this.ctx.policy.roles[view.role];
    for (const userId of this.opened.keys()) {
      const person = this.known(userId);
      const concerned =
        samePerson(person, view.requester) || view.reviews.some((r) => samePerson(r.who, person)) || (role !== undefined && isMember(role.approvers, person));
      if (concerned) void this.schedule(userId, person);
    }
  }

  /** Refresh one person's Home in the background if they have opened it (e.g. after they clicked in it). */
  refreshUser(userId: string): void {
    if (this.opened.has(userId)) void this.schedule(userId, this.known(userId));
  }

  /** Wait for background refreshes (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** The freshest identity at hand without asking Slack. */
  private known(userId: string): Person {
    const fresh = this.directory.cached(userId);
    if (fresh) this.opened.set(userId, fresh);
    return fresh ?? this.opened.get(userId) ?? { slackId: userId };
  }

  private schedule(userId: string, person: Person): Promise<void> {
    const running = this.slots.get(userId);
    if (running) {
      running.again = person;
      return running.done;
    }
    const slot: Slot = { again: person, done: Promise.resolve() };
    this.slots.set(userId, slot);
    slot.done = (async () => {
      try {
        while (slot.again) {
          const next = slot.again;
          slot.again = null;
          await this.render(userId, next).catch((error: unknown) => {
            this.log.warn({ user: userId, err: error instanceof Error ? error.message : String(error) }, 'could not publish App Home');
          });
        }
      } finally {
        this.slots.delete(userId);
      }
    })();
    const tracked = slot.done;
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    return tracked;
  }

  private async render(userId: string, who: Person): Promise<void> {
    const mine = listMyAccess(this.ctx, who);
    const view = homeView({ grants: mine.active, pending: mine.pending, toReview: listAwaitingReview(this.ctx, who), now: this.ctx.clock.now() });
    await this.client.views.publish({ user_id: userId, view });
  }
}
