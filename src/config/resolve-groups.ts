/**
 * Expands `group:NAME` members into member atoms (lower-cased emails, slack:…, teams:…), reporting unknown
 * groups with a hint and naming every cycle once.
 */
import type { Member } from '../domain/policy.ts';
import { didYouMean } from './did-you-mean.ts';
import type { Finding, PathSegment } from './problems.ts';

export function normalizeMember(atom: string): Member {
  return atom.includes('@') && !atom.includes(':') ? atom.trim().toLowerCase() : atom.trim();
}

export class GroupResolver {
  readonly errors: Finding[] = [];
  private readonly expanded = new Map<string, ReadonlySet<Member>>();
  private readonly reportedCycles = new Set<string>();

  constructor(private readonly groups: Readonly<Record<string, readonly string[]>>) {}

  /** Every group, expanded. */
  all(): Map<string, ReadonlySet<Member>> {
    const out = new Map<string, ReadonlySet<Member>>();
    for (const name of Object.keys(this.groups)) out.set(name, this.group(name, []));
    return out;
  }

  /** A member list (from a group or a role) as atoms. */
  expand(list: readonly string[], at: readonly PathSegment[]): Set<Member> {
    return this.expandWithin(list, at, []);
  }

  private group(name: string, stack: string[]): ReadonlySet<Member> {
    const done = this.expanded.get(name);
    if (done) return done;
    const start = stack.indexOf(name);
    if (start >= 0) {
      const cycle = [...stack.slice(start), name];
      const key = [...new Set(cycle)].sort().join(',');
      if (!this.reportedCycles.has(key)) {
        this.reportedCycles.add(key);
        this.errors.push({ at: ['groups', cycle[0]!], message: `groups include each other in a cycle: ${cycle.join(' → ')}` });
      }
      return new Set();
    }
    const members = this.expandWithin(this.groups[name] ?? [], ['groups', name], [...stack, name]);
    this.expanded.set(name, members);
    return members;
  }

  private expandWithin(list: readonly string[], at: readonly PathSegment[], stack: string[]): Set<Member> {
    const out = new Set<Member>();
    list.forEach((entry, index) => {
      if (!entry.startsWith('group:')) {
        out.add(normalizeMember(entry));
        return;
      }
      const name = entry.slice('group:'.length);
      if (!Object.hasOwn(this.groups, name)) {
        const known = Object.keys(this.groups);
        this.errors.push({
          at: [...at, index],
          message: `unknown group "${name}"${didYouMean(name, known) || (known.length ? ` (groups: ${known.join(', ')})` : ' (the policy defines no groups)')}`,
        });
        return;
      }
      for (const member of this.group(name, stack)) out.add(member);
    });
    return out;
  }
}
