/**
 * "Who can approve", shown as Slack @-mentions where we can: policy members written as emails are looked up
 * (users.lookupByEmail, cached by the directory) and shown as `slack:U…`, so the renderers print `<@U…>`.
 * Display only — authorisation always goes by the policy. Lookups get a short deadline; whatever is not
 * resolved by then is shown as written (and is usually cached by the next render).
 */
import type { RequestView } from '../../src/app/request-view.ts';
import { within } from './act-as.ts';
import type { SlackDirectory } from './identity.ts';

/** At most this many emails are looked up per render (the card shows ~1,500 characters of names anyway). */
export const MAX_APPROVER_LOOKUPS = 25;
export const APPROVER_LOOKUP_DEADLINE_MS = 1500;

const isEmail = (member: string): boolean => !member.includes(':') && member.includes('@');

export async function withApproverMentions(directory: SlackDirectory, view: RequestView, deadlineMs = APPROVER_LOOKUP_DEADLINE_MS): Promise<RequestView> {
  const asked = view.waiting?.asked ?? [];
  const emails = [...new Set([...view.approverMembers, ...asked].filter(isEmail))].slice(0, MAX_APPROVER_LOOKUPS);
  if (emails.length === 0) return view;
  await within(deadlineMs, Promise.all(emails.map((email) => directory.slackIdForEmail(email))), () => new Error('approver lookups took too long')).catch(() => undefined);
  const shownAs = (list: readonly string[]): string[] => {
    const members: string[] = [];
    const seen = new Set<string>();
    for (const member of list) {
      const slackId = isEmail(member) ? directory.cachedSlackIdForEmail(member) : null;
      const shown = slackId ? `slack:${slackId}` : member;
      if (seen.has(shown)) continue;
      seen.add(shown);
      members.push(shown);
    }
    return members;
  };
  return { ...view, approverMembers: shownAs(view.approverMembers), ...(view.waiting && { waiting: { ...view.waiting, asked: shownAs(asked) } }) };
}
