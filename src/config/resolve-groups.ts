/**
 * Expands `group:NAME` members into member atoms (lower-cased emails, slack:…, teams:…), reporting unknown
 * groups with a hint and naming every cycle once.
 */
import { canonicalEmail } from '../domain/identity.ts';
import type { Member } from '../domain/policy.ts';
import { didYouMean } from './did-you-mean.ts';
import type { Finding, PathSegment } from './problems.ts';

/**
 * An email in the form people are matched by (canonicalEmail: lower-case ASCII); other atoms as written. The
 * schema refuses an email that is not plain ASCII; were one to get here it stays as written and names nobody.
 */
export function normalizeMember(atom: string): Member {
  return atom.includes('@') && !atom.includes(':') ? (canonicalEmail(atom) ?? atom.trim()) : atom.trim();
}

export interface GroupResolverOptions {
  /** Groups whose lists lost entries to the schema: an expansion through them is incomplete. */
  incomplete?: ReadonlySet<string>;
  /** The groups section itself could not be read: references cannot be checked (no "unknown group"). */
  unknownSection?: boolean;
}

/** Members, and whether they are all of them (false when a group or entry was unreadable). */
export interface Expansion {
  members: Set<Member>;
  complete: boolean;
}

export class GroupResolver {
  readonly errors: Finding[] = [];
  private readonly expanded = new Map<string, { members: ReadonlySet<Member>; complete: boolean }>();
  private readonly reportedCycles = new Set<string>();

  constructor(
    private readonly groups: Readonly<Record<string, readonly string[]>>,
    private readonly options: GroupResolverOptions = {},
  ) {}

  /** Every group, expanded. */
  all(): Map<string, ReadonlySet<Member>> {
    const out = new Map<string, ReadonlySet<Member>>();
    for (const name of Object.keys(this.groups)) out.set(name, this.group(name, []).members);
    return out;
  }

  /** A member list (from a group or a role) as atoms. */
  expand(list: readonly string[], at: readonly PathSegment[]): Expansion {
    return this.expandWithin(list, at, []);
  }

  private group(name: string, stack: string[]): { members: ReadonlySet<Member>; complete: boolean } {
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
      return { members: new Set(), complete: true };
    }
    const inner = this.expandWithin(Object.hasOwn(this.groups, name) ? this.groups[name]! : [], ['groups', name], [...stack, name]);
    const result = { members: inner.members, complete: inner.complete && !this.options.incomplete?.has(name) };
    this.expanded.set(name, result);
    return result;
  }

  private expandWithin(list: readonly string[], at: readonly PathSegment[], stack: string[]): Expansion {
    const out = new Set<Member>();
    let complete = true;
    list.forEach((entry, index) => {
      if (!entry.startsWith('group:')) {
        out.add(normalizeMember(entry));
        return;
      }
      const name = entry.slice('group:'.length);
      if (!Object.hasOwn(this.groups, name)) {
        complete = false;
        if (this.options.unknownSection) return;
        const known = Object.keys(this.groups);
        this.errors.push({
          at: [...at, index],
          message: `unknown group "${name}"${didYouMean(name, known) || (known.length ? ` (groups: ${known.join(', ')})` : ' (the policy defines no groups)')}`,
        });
        return;
      }
      const group = this.group(name, stack);
      if (!group.complete) complete = false;
      for (const member of group.members) out.add(member);
    });
    return { members: out, complete };
  }
}
