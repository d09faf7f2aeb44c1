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

/** Printable ASCII without spaces, one "@", a dot in the domain: nothing a Unicode fold or IDNA could change. */
const ASCII_EMAIL = /^[!-9;-?A-~]+@[!-?A-~]+\.[!-?A-~]+$/;

/**
 * The only form in which an email names anyone: trimmed, lower-case ASCII. Null, naming nobody, for an address
 * that is not plain ASCII (or not an address at all): `toLowerCase()` alone folds U+212A KELVIN SIGN to "k", so
 * "\u212Aate@example.com" would be kate@example.com. NFKC and IDNA change nothing in an ASCII address but its
 * case, so no look-alike of an address reaches it.
 */
export function canonicalEmail(email: string | null | undefined): string | null {
  const trimmed = email?.trim();
  if (!trimmed || !ASCII_EMAIL.test(trimmed)) return null;
  return trimmed.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The first character of `text` that is not ASCII, as "U+212A"; null when all are. */
export function firstNonAscii(text: string): string | null {
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code > 0x7f) return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return null;
}

/** The member atoms that name this person in a policy. An email that is not plain ASCII names nobody. */
export function memberKeys(person: Person): Member[] {
  const keys: Member[] = [];
  const email = canonicalEmail(person.email);
  if (email) keys.push(email);
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
