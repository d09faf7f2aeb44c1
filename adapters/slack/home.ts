/**
 * The App Home tab: published when a person opens it, and refreshed (best effort) for the people a change
 * concerns — the requester, its reviewers and the role's approvers — among those who have opened it.
 *
 * Who opened their Home is kept in the store (`slack:home:<userId>`, with the person as last resolved for that
 * Home), so after a restart, and on every replica, a change still refreshes their Homes. Whom to refresh is decided
 * with that person (not subject to the identity cache's TTL), so an approver whose cache entry expired still sees
 * new requests appear. The Home is only a view: every click on it is authorised afresh by the core. Renders for
 * one person run one at a time (per process), with at most one more queued, so an older render never lands after
 * a newer one.
 */
import { z } from 'zod';
import { listAwaitingReview, listMyAccess } from '../../src/app/list-access.ts';
import type { RequestView } from '../../src/app/request-view.ts';
import type { AppContext } from '../../src/app/context.ts';
import { isMember, samePerson, type Person } from '../../src/domain/identity.ts';
import type { Logger } from '../../src/logging.ts';
import type { SlackDirectory } from './identity.ts';
import { homeView } from './render/index.ts';
import type { WebClient } from './services.ts';

const HOME_PREFIX = 'slack:home:';

const personSchema = z.object({
  email: z.string().nullish(),
  slackId: z.string().nullish(),
  teamsId: z.string().nullish(),
  name: z.string().nullish(),
});

/** The person stored with a Home, or null when the record is unreadable. */
function parsePerson(value: string): Person | null {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return null;
  }
  const parsed = personSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

interface Slot {
  /** The person to render for next, when another render was asked for while one ran. */
  again: Person | null;
  done: Promise<void>;
}

export class HomeTabs {
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
    try {
      await this.remember(userId, who);
    } catch (error) {
      this.log.warn({ user: userId, err: message(error) }, 'could not remember an opened App Home');
    }
    await this.schedule(userId, who);
  }

  /** Refresh, in the background, the Homes this request's change shows up in. Never throws. */
  refreshAround(view: RequestView): void {
    this.background(async () => {
      const role = this.ctx.policy.roles[view.role];
      for (const { key, value } of await this.ctx.store.kvList(HOME_PREFIX)) {
        const stored = parsePerson(value);
        if (!stored) continue;
        const userId = key.slice(HOME_PREFIX.length);
        const person = await this.known(userId, stored);
        const concerned =
          samePerson(person, view.requester) || view.reviews.some((r) => samePerson(r.who, person)) || (role !== undefined && isMember(role.approvers, person));
        if (concerned) void this.schedule(userId, person);
      }
    });
  }

  /** Refresh one person's Home in the background if they have opened it (e.g. after they clicked in it). */
  refreshUser(userId: string): void {
    this.background(async () => {
      const value = await this.ctx.store.kvGet(HOME_PREFIX + userId);
      const stored = value === null ? null : parsePerson(value);
      if (stored) void this.schedule(userId, await this.known(userId, stored));
    });
  }

  /** Wait for background refreshes (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private remember(userId: string, person: Person): Promise<void> {
    const now = this.ctx.clock.now();
    return this.ctx.store.tx((uow) => uow.kvPut(HOME_PREFIX + userId, JSON.stringify(person), now));
  }

  /** The freshest identity at hand without asking Slack; a fresher one is kept with the Home. */
  private async known(userId: string, stored: Person): Promise<Person> {
    const fresh = this.directory.cached(userId);
    if (!fresh) return stored;
    if (JSON.stringify(fresh) !== JSON.stringify(stored)) {
      await this.remember(userId, fresh).catch((error: unknown) => {
        this.log.warn({ user: userId, err: message(error) }, 'could not remember an opened App Home');
      });
    }
    return fresh;
  }

  /** Run store lookups that decide whose Home to refresh, tracked for idle(); failures are logged. */
  private background(work: () => Promise<void>): void {
    const tracked = work().catch((error: unknown) => {
      this.log.warn({ err: message(error) }, 'could not refresh App Homes');
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
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
    const mine = await listMyAccess(this.ctx, who);
    const view = homeView({ grants: mine.active, pending: mine.pending, toReview: await listAwaitingReview(this.ctx, who), now: this.ctx.clock.now() });
    await this.client.views.publish({ user_id: userId, view });
  }
}
