/**
 * A policy member as someone Slack can message privately: `slack:U…` as is, an email looked up to its Slack
 * user (users.lookupByEmail, cached by the directory). Who may approve is decided by the core; this only finds
 * where to send the reminder.
 */
import { memberAsPerson } from '../../src/chat/describe.ts';
import type { Person } from '../../src/domain/identity.ts';
import type { SlackDirectory } from './identity.ts';

export async function slackPersonFor(directory: SlackDirectory, member: string): Promise<Person> {
  const person = memberAsPerson(member);
  if (person.slackId || !person.email) return person;
  const slackId = await directory.slackIdForEmail(person.email);
  return slackId ? { ...person, slackId } : person;
}
