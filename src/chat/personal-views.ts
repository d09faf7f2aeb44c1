/**
 * Personal views (Slack's App Home): published when a person opens theirs, and refreshed (best effort) for the
 * people a change concerns — the requester, its reviewers and the role's approvers — among those who have
 * opened it. The platform only shows the model (PersonalViewSurface).
 *
 * Who opened their view is kept in the store (`<platform>:home:<userId>`, with the person as last resolved),
 * so after a restart, and on every replica, a change still refreshes their views. Whom to refresh is decided
 * with that person (not subject to the identity cache's TTL), so an approver whose cache entry expired still
 * sees new requests appear. The view is only a view: every click on it is authorised afresh by the core.
 * Renders for one person run one at a time (per process), with at most one more queued, so an older render
 * never lands after a newer one.
 */
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { listAwaitingReview, listMyAccess } from '../app/list-access.ts';
import type { RequestView } from '../app/request-view.ts';
import { samePerson, type Person } from '../domain/identity.ts';
import type { Logger } from '../logging.ts';
import type { ChatDialect } from './dialect.ts';
import type { PersonalView } from './message.ts';
import { personalView } from './messages/personal-view.ts';
import { mayEverApprove } from '../domain/waiting.ts';

/** What a platform does for personal views. */
export interface PersonalViewSurface {
  /** Show this view to this user (Slack: views.publish). */
  publish(userId: string, view: PersonalView): Promise<void>;
  /** Who this user is, asking the platform if need be; throws words for them when it cannot say. */
  person(userId: string): Promise<Person>;
  /** Who this user is, if known without asking the platform. */
  cached(userId: string): Person | null;
}

export interface PersonalViewsOptions {
  ctx: AppContext;
  surface: PersonalViewSurface;
  dialect: ChatDialect;
  log: Logger;
  /** Items per list (the platform's size limits decide). */
  itemsPerList: number;
}

const personSchema = z.object({
  email: z.string().nullish(),
  slackId: z.string().nullish(),
  teamsId: z.string().nullish(),
  name: z.string().nullish(),
});

/** The person stored with a view, or null when the record is unreadable. */
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

/** Does this request's change show up in this person's view? */
function concerns(ctx: Pick<AppContext, 'policy'>, view: RequestView, person: Person): boolean {
  const role = ctx.policy.roles[view.role];
  return samePerson(person, view.requester) || view.reviews.some((r) => samePerson(r.who, person)) || (role !== undefined && mayEverApprove(role, person));
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

interface Slot {
  /** The person to render for next, when another render was asked for while one ran. */
  again: Person | null;
  done: Promise<void>;
}

export class PersonalViews {
  private readonly slots = new Map<string, Slot>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly prefix: string;

  constructor(private readonly options: PersonalViewsOptions) {
    this.prefix = `${options.dialect.platform}:home:`;
  }

  private get ctx(): AppContext {
    return this.options.ctx;
  }

  private get log(): Logger {
    return this.options.log;
  }

  /** Render and publish one person's view now (they opened it). Throws when the platform cannot say who they are. */
  async publish(userId: string, person?: Person): Promise<void> {
    const who = person ?? (await this.options.surface.person(userId));
    try {
      await this.remember(userId, who);
    } catch (error) {
      this.log.warn({ user: userId, err: message(error) }, 'could not remember an opened personal view');
    }
    await this.schedule(userId, who);
  }

  /** Refresh, in the background, the views this request's change shows up in. Never throws. */
  refreshAround(view: RequestView): void {
    this.background(async () => {
      for (const { key, value } of await this.ctx.store.kvList(this.prefix)) {
        const stored = parsePerson(value);
        if (!stored) continue;
        const userId = key.slice(this.prefix.length);
        const person = await this.known(userId, stored);
        if (concerns(this.ctx, view, person)) void this.schedule(userId, person);
      }
    });
  }

  /** Refresh one person's view in the background if they have opened it (e.g. after they clicked in it). */
  refreshUser(userId: string): void {
    this.background(async () => {
      const value = await this.ctx.store.kvGet(this.prefix + userId);
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
    return this.ctx.store.tx((uow) => uow.kvPut(this.prefix + userId, JSON.stringify(person), now));
  }

  /** The freshest identity at hand without asking the platform; a fresher one is kept with the view. */
  private async known(userId: string, stored: Person): Promise<Person> {
    const fresh = this.options.surface.cached(userId);
    if (!fresh) return stored;
    if (JSON.stringify(fresh) !== JSON.stringify(stored)) {
      await this.remember(userId, fresh).catch((error: unknown) => {
        this.log.warn({ user: userId, err: message(error) }, 'could not remember an opened personal view');
      });
    }
    return fresh;
  }

  /** Run store lookups that decide whose view to refresh, tracked for idle(); failures are logged. */
  private background(work: () => Promise<void>): void {
    void this.track(
      work().catch((error: unknown) => {
        this.log.warn({ err: message(error) }, 'could not refresh personal views');
      }),
    );
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
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
            this.log.warn({ user: userId, err: message(error) }, 'could not publish a personal view');
          });
        }
      } finally {
        this.slots.delete(userId);
      }
    })();
    return this.track(slot.done);
  }

  private async render(userId: string, who: Person): Promise<void> {
    const mine = await listMyAccess(this.ctx, who);
    const toReview = await listAwaitingReview(this.ctx, who);
    const { dialect, itemsPerList } = this.options;
    await this.options.surface.publish(userId, personalView({ grants: mine.active, pending: mine.pending, ...(mine.ended?.length ? { ended: mine.ended } : {}), toReview, now: this.ctx.clock.now(), dialect, itemsPerList }));
  }
}
