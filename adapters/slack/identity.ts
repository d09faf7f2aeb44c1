/**
 * Who is clicking: a Slack user id → the core's Person { slackId, email, name }. The email is the one Slack
 * vouches for (users.info → profile.email, needs users:read.email); without it the person still carries the
 * Slack id, so a policy member `slack:U…` matches. Deleted users and bots are refused: never a guess. The
 * email of a user from another organisation (Slack Connect) is not trusted: they match by Slack id only. Nor
 * is an email that is not plain ASCII (canonicalEmail): "\u212Aate@example.com" (KELVIN SIGN) is not kate's,
 * so its owner is unknown by email and matches by Slack id only.
 * Answers are cached in memory for 10 minutes (policy changes need no cache flush: only identity is cached).
 */
import { z } from 'zod';
import { AccessError } from '../../src/domain/errors.ts';
import { canonicalEmail, type Person } from '../../src/domain/identity.ts';

export const IDENTITY_TTL_MS = 10 * 60_000;

/** The slice of users.info we read, checked at the boundary. */
const usersInfoSchema = z.object({
  ok: z.literal(true),
  user: z.object({
    id: z.string(),
    name: z.string().optional(),
    real_name: z.string().optional(),
    deleted: z.boolean().optional(),
    is_bot: z.boolean().optional(),
    /** The user's home workspace; another organisation's for Slack Connect users. */
    team_id: z.string().optional(),
    is_stranger: z.boolean().optional(),
    enterprise_user: z.object({ enterprise_id: z.string().optional() }).optional(),
    profile: z
      .object({
        email: z.string().optional(),
        display_name: z.string().optional(),
        real_name: z.string().optional(),
      })
      .optional(),
  }),
});

/** The slice of users.lookupByEmail we read (display only: who to @-mention as an approver). */
const lookupByEmailSchema = z.object({
  ok: z.literal(true),
  user: z.object({ id: z.string(), deleted: z.boolean().optional(), is_bot: z.boolean().optional() }),
});

/** auth.test: which workspace (and Enterprise Grid org) this app is installed in. */
const authTestSchema = z.object({ ok: z.literal(true), team_id: z.string(), enterprise_id: z.string().nullish() });

interface HomeTeam {
  teamId: string;
  enterpriseId: string | null;
}

/** What the directory needs from a Web API client (Bolt's WebClient fits). */
export interface UsersInfoClient {
  auth: { test(): Promise<unknown> };
  users: {
    info(args: { user: string }): Promise<unknown>;
    lookupByEmail(args: { email: string }): Promise<unknown>;
  };
}

/** How long an email → Slack id answer (found or not) is kept; it only changes how a name is shown. */
export const MENTION_TTL_MS = 60 * 60_000;


interface Entry {
  person: Person;
  at: number;
}

export class SlackDirectory {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Person>>();
  private readonly byEmail = new Map<string, { slackId: string | null; at: number }>();
  private readonly emailsInFlight = new Map<string, Promise<string | null>>();
  private homeTeam: Promise<HomeTeam> | null = null;

  constructor(
    private readonly client: UsersInfoClient,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = IDENTITY_TTL_MS,
  ) {}

  /** The person behind a Slack user id; throws an AccessError a user can read when Slack says no. */
  async person(userId: string): Promise<Person> {
    const hit = this.cache.get(userId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.person;
    const running = this.inFlight.get(userId);
    if (running) return running;
    const lookup = this.lookup(userId).finally(() => this.inFlight.delete(userId));
    this.inFlight.set(userId, lookup);
    return lookup;
  }

  /** The cached person, if any (for places that must not wait on Slack). */
  cached(userId: string): Person | null {
    const hit = this.cache.get(userId);
    return hit && this.now() - hit.at < this.ttlMs ? hit.person : null;
  }

  forget(userId: string): void {
    this.cache.delete(userId);
  }

  /**
   * The Slack user id behind an email, for showing a policy member as an @-mention; null when Slack has no
   * active human with that email or cannot say just now. Never used to decide anything. Cached (found or
   * not) for an hour; at most 1,000 emails are kept.
   */
  async slackIdForEmail(email: string): Promise<string | null> {
    const key = email.trim().toLowerCase();
    const hit = this.byEmail.get(key);
    if (hit && this.now() - hit.at < MENTION_TTL_MS) return hit.slackId;
    const running = this.emailsInFlight.get(key);
    if (running) return running;
    const lookup = this.lookupEmail(key).finally(() => this.emailsInFlight.delete(key));
    this.emailsInFlight.set(key, lookup);
    return lookup;
  }

  /** The cached answer of slackIdForEmail, without asking Slack. */
  cachedSlackIdForEmail(email: string): string | null {
    const hit = this.byEmail.get(email.trim().toLowerCase());
    return hit && this.now() - hit.at < MENTION_TTL_MS ? hit.slackId : null;
  }

  private async lookupEmail(email: string): Promise<string | null> {
    let slackId: string | null = null;
    try {
      const parsed = lookupByEmailSchema.safeParse(await this.client.users.lookupByEmail({ email }));
      if (parsed.success && !parsed.data.user.deleted && !parsed.data.user.is_bot) slackId = parsed.data.user.id;
    } catch (error) {
      const code = slackErrorCode(error);
      // Rate limits and outages are not answers: ask again next time. "Not found" and "no scope" are.
      if (code !== 'users_not_found' && code !== 'missing_scope' && code !== 'no_permission') return null;
    }
    if (this.byEmail.size >= 1000) this.byEmail.delete(this.byEmail.keys().next().value!);
    this.byEmail.set(email, { slackId, at: this.now() });
    return slackId;
  }

  private async lookup(userId: string): Promise<Person> {
    let raw: unknown;
    try {
      raw = await this.client.users.info({ user: userId });
    } catch (error) {
      const code = slackErrorCode(error);
      if (code === 'missing_scope' || code === 'no_permission') {
        // The app may not read profiles: the Slack id alone still matches `slack:U…` members.
        return this.remember(userId, { slackId: userId });
      }
      if (code === 'user_not_found' || code === 'account_inactive') {
        throw new AccessError('unknown_user', 'Slack does not know your account, so accessbot cannot tell who you are.');
      }
      throw new AccessError('unknown_user', 'accessbot could not look you up in Slack just now. Please try again in a minute.');
    }
    const parsed = usersInfoSchema.safeParse(raw);
    if (!parsed.success) throw new AccessError('unknown_user', 'accessbot could not read your Slack profile. Please try again in a minute.');
    const user = parsed.data.user;
    if (user.deleted) throw new AccessError('ambiguous_user', 'This Slack account is deactivated, so it cannot request or approve access.');
    if (user.is_bot) throw new AccessError('ambiguous_user', 'Bots and apps cannot request or approve access.');
    // An email is only as good as the organisation that vouches for it: a Slack Connect user's profile is managed
    // by their own organisation, which could put any address there. Such people match only by `slack:U…`.
    const trusted = !user.is_stranger && (!user.team_id || (await this.inHomeOrg(user.team_id, user.enterprise_user?.enterprise_id)));
    // Only lower-case ASCII names anyone: an address with a look-alike character is dropped, not folded.
    const email = trusted ? canonicalEmail(user.profile?.email) : null;
    const name = user.profile?.display_name || user.real_name || user.profile?.real_name || user.name || null;
    return this.remember(userId, { slackId: userId, email, name });
  }

  /** Is a user of this workspace (or of the same Enterprise Grid organisation) ours? Asks auth.test once. */
  private async inHomeOrg(teamId: string, enterpriseId: string | undefined): Promise<boolean> {
    this.homeTeam ??= this.client.auth.test().then((raw) => {
      const parsed = authTestSchema.parse(raw);
      return { teamId: parsed.team_id, enterpriseId: parsed.enterprise_id ?? null };
    });
    let home: HomeTeam;
    try {
      home = await this.homeTeam;
    } catch {
      this.homeTeam = null;
      throw new AccessError('unknown_user', 'accessbot could not look you up in Slack just now. Please try again in a minute.');
    }
    return teamId === home.teamId || (home.enterpriseId !== null && enterpriseId === home.enterpriseId);
  }

  private remember(userId: string, person: Person): Person {
    this.cache.set(userId, { person, at: this.now() });
    return person;
  }
}

/** The Slack error code of a failed Web API call (`error.data.error`), or null. */
export function slackErrorCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const data = (error as { data?: unknown }).data;
  if (typeof data === 'object' && data !== null && typeof (data as { error?: unknown }).error === 'string') return (data as { error: string }).error;
  return null;
}
