import type { Member } from './policy.ts';

/**
 * A person as a chat platform (or the CLI) reports them. The email is the one the platform vouches for;
 * the core never guesses an identity from a display name.
 */
export interface Person {
  email?: string | null;
  slackId?: string | null;
  teamsId?: string | null;
  name?: string | null;
}

/** The member atoms that name this person in a policy. */
export function memberKeys(person: Person): Member[] {
  const keys: Member[] = [];
  if (person.email) keys.push(person.email.trim().toLowerCase());
  if (person.slackId) keys.push(`slack:${person.slackId}`);
  if (person.teamsId) keys.push(`teams:${person.teamsId}`);
  return keys;
}

/** True when the person is named in the member set by email or platform id. */
export function isMember(members: ReadonlySet<Member>, person: Person): boolean {
  return memberKeys(person).some((key) => members.has(key));
}

/**
 * The stable key that makes two approvals "the same person": the email when the platform reported one,
 * else the platform id. Distinct-approver counting and self-approval checks compare all known keys.
 */
export function principalKey(person: Person): string {
  const keys = memberKeys(person);
  if (keys.length === 0) throw new Error('a person needs an email or a platform id');
  return keys[0]!;
}

/** Same human? Any shared key (email or platform id) counts: stricter is safer for self-approval. */
export function samePerson(a: Person, b: Person): boolean {
  const bKeys = new Set(memberKeys(b));
  return memberKeys(a).some((key) => bKeys.has(key));
}

/** "@alice" style label for messages; never used for decisions. */
export function displayName(person: Person): string {
  return person.name || person.email || (person.slackId ? `slack:${person.slackId}` : `teams:${person.teamsId ?? '?'}`);
}
