/**
 * The playground's people: everyone the policy names by email or Slack id (requesters and approvers), plus one
 * outsider the policy does not know, so a visitor can see a refusal too. Each becomes a user of the emulated
 * Slack workspace, with the email the bot resolves people by.
 */
import type { Policy } from '../../src/domain/policy.ts';
import type { EmulatedUser } from '../slack-emulator/index.ts';

export interface PlaygroundPerson {
  user: EmulatedUser;
  /** What the policy lets them do somewhere: request, approve, or nothing (the outsider). */
  kinds: ('requester' | 'approver')[];
}

export const OUTSIDER: EmulatedUser = { id: 'U0OUTSIDER', name: 'oscar', email: 'oscar.outsider@example.com', realName: 'Oscar (outsider)' };

const capitalised = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

function userFor(member: string, taken: Set<string>): EmulatedUser | null {
  if (member.startsWith('slack:')) {
    const id = member.slice('slack:'.length);
    const name = id.replace(/^U0?/, '').replace(/\d+$/, '').toLowerCase() || id.toLowerCase();
    return { id, name, realName: capitalised(name) };
  }
  if (!member.includes('@') || member.includes(':')) return null; // teams:… and group:… are not Slack people
  const local = member.split('@')[0]!;
  let id = `U0${local.toUpperCase().replace(/[^A-Z0-9]/g, '')}`.slice(0, 11);
  for (let n = 2; taken.has(id); n++) id = `${id.slice(0, 9)}${n}`;
  return { id, name: local, email: member, realName: capitalised(local) };
}

export function playgroundPeople(policy: Policy): PlaygroundPerson[] {
  const kinds = new Map<string, Set<'requester' | 'approver'>>();
  const note = (member: string, kind: 'requester' | 'approver'): void => void (kinds.get(member) ?? kinds.set(member, new Set()).get(member)!).add(kind);
  for (const role of Object.values(policy.roles)) {
    for (const member of role.requesters) note(member, 'requester');
    for (const member of role.approvers) note(member, 'approver');
  }
  for (const members of policy.groups.values()) for (const member of members) if (!kinds.has(member)) kinds.set(member, new Set());
  const taken = new Set<string>([OUTSIDER.id]);
  const people: PlaygroundPerson[] = [];
  for (const [member, of] of kinds) {
    const user = userFor(member, taken);
    if (!user || taken.has(user.id)) continue;
    taken.add(user.id);
    people.push({ user, kinds: [...of].sort() });
  }
  // Requesters who approve nothing first (they start the story), then approvers, then the outsider.
  const rank = (p: PlaygroundPerson): number => (p.kinds.includes('approver') ? 1 : p.kinds.length === 0 ? 2 : 0);
  people.sort((a, b) => rank(a) - rank(b));
  const outsider = OUTSIDER.email && kinds.has(OUTSIDER.email) ? [] : [{ user: OUTSIDER, kinds: [] }];
  return [...people, ...outsider];
}
