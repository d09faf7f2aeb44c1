/**
 * A policy member as someone Teams can message privately: `teams:<aad id>` as is, an email matched to a Teams
 * user accessbot has met (its conversation book). Who may approve is decided by the core; this only finds where
 * to send a reminder, an escalation or an urgent page.
 */
import { memberAsPerson } from '../../src/chat/describe.ts';
import { canonicalEmail, type Person } from '../../src/domain/identity.ts';
import type { TeamsConversations } from './conversations.ts';

export async function teamsPersonFor(conversations: TeamsConversations, member: string): Promise<Person> {
  const person = memberAsPerson(member);
  if (person.teamsId || !person.email) return person;
  const email = canonicalEmail(person.email);
  const user = (await conversations.users()).find((u) => u.email !== null && canonicalEmail(u.email) === email);
  return user ? { ...person, teamsId: user.aadObjectId, name: user.name } : person;
}
