/**
 * Who is acting: a Teams user → the core's Person { teamsId: <Entra ID object id>, email, name }. The email is
 * the one the roster vouches for (TeamsInfo.getMember: email, else the user principal name), so a policy
 * member written as an email matches; `teams:<aad-object-id>` always does. Guests (another tenant, or the
 * guest role) match by id only: their address is managed elsewhere. Teams not saying who someone is, or the
 * roster naming a different person than the activity, means "not allowed" — never a guess. Answers are cached
 * in memory for 10 minutes (identity only); what is learnt about a user is also written to the store, so cards
 * can give them their own view (refresh.userIds) and accessbot can open a chat with them, on any replica.
 */
import { TeamsInfo, type TeamsChannelAccount, type TurnContext } from 'botbuilder';
import { AccessError } from '../../src/domain/errors.ts';
import type { Person } from '../../src/domain/identity.ts';
import { tenantOf, type TeamsConversations } from './conversations.ts';

export const IDENTITY_TTL_MS = 10 * 60_000;

interface Entry {
  person: Person;
  at: number;
}

/** The HTTP status of a failed Bot Connector call, when it has one. */
export function connectorStatus(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const status = (error as { statusCode?: unknown }).statusCode ?? (error as { response?: { status?: unknown } }).response?.status;
  return typeof status === 'number' ? status : null;
}

/** An address the roster gives, lower-cased, if it looks like one (external users' UPNs carry #EXT#). */
function addressOf(member: TeamsChannelAccount): string | null {
  for (const candidate of [member.email, member.userPrincipalName]) {
    const value = candidate?.trim().toLowerCase();
    if (value && /^[^\s@#]+@[^\s@]+$/.test(value)) return value;
  }
  return null;
}

export class TeamsDirectory {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly conversations: TeamsConversations,
    /** The bot's own tenant when the registration names one; else the tenant of each conversation. */
    private readonly homeTenant: string | null,
    private readonly now: () => number,
    private readonly ttlMs = IDENTITY_TTL_MS,
  ) {}

  /** The person behind this activity's sender; throws an AccessError a user can read when Teams cannot say. */
  async person(context: TurnContext): Promise<Person> {
    const from = context.activity.from;
    const aad = from?.aadObjectId;
    if (!from?.id || !aad) throw new AccessError('unknown_user', 'Teams did not say who you are, so accessbot cannot tell whether you may do this.');
    const hit = this.cache.get(aad);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.person;

    let member: TeamsChannelAccount;
    try {
      member = await TeamsInfo.getMember(context, from.id);
    } catch (error) {
      const status = connectorStatus(error);
      if (status === 404 || status === 403) throw new AccessError('unknown_user', 'Teams does not know your account here, so accessbot cannot tell who you are.');
      throw new AccessError('unknown_user', 'accessbot could not look you up in Teams just now. Please try again in a minute.');
    }
    if (!member?.aadObjectId || member.aadObjectId !== aad) {
      throw new AccessError('ambiguous_user', 'Teams described your account inconsistently, so accessbot cannot tell who you are. Please ask your accessbot admin.');
    }
    const home = this.homeTenant ?? tenantOf(context.activity);
    const memberTenant = member.tenantId ?? tenantOf(context.activity);
    // A guest's profile is managed by their own organisation, which could put any address there.
    const guest = member.userRole?.toLowerCase() === 'guest' || (home !== null && memberTenant !== null && memberTenant !== home);
    const email = guest ? null : addressOf(member);
    const name = member.name || from.name || null;
    const person: Person = { teamsId: aad, email, name };
    this.cache.set(aad, { person, at: this.now() });
    await this.conversations.rememberUser(aad, { id: from.id, name, email, tenantId: memberTenant });
    return person;
  }

  /** The cached person, if any (for places that must not wait on Teams). */
  cached(aadObjectId: string): Person | null {
    const hit = this.cache.get(aadObjectId);
    return hit && this.now() - hit.at < this.ttlMs ? hit.person : null;
  }
}
