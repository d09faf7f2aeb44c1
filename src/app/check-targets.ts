/**
 * Asks each target, read-only, whether every role's grant would be accepted there today (for PostgreSQL: the
 * roles exist and none lets the holder outlast the revoke). Run by `accessbot policy check --targets` and at
 * start; the grant itself checks again, so this only tells people earlier.
 */
import type { Policy } from '../domain/policy.ts';
import type { Provider } from '../providers/types.ts';

export interface TargetFinding {
  role: string;
  resource: string;
  /** What the target refuses, in words; empty when it accepts. */
  problems: string[];
  /** The target could not be asked (unreachable, credentials missing). */
  unreachable: string | null;
}

export async function checkGrantsAtTargets(policy: Policy, providers: ReadonlyMap<string, Provider>): Promise<TargetFinding[]> {
  const findings: TargetFinding[] = [];
  for (const role of Object.values(policy.roles)) {
    const provider = providers.get(role.resource);
    if (!provider?.checkGrant) continue;
    try {
      findings.push({ role: role.name, resource: role.resource, problems: await provider.checkGrant(role.grant), unreachable: null });
    } catch (error) {
      findings.push({ role: role.name, resource: role.resource, problems: [], unreachable: error instanceof Error ? error.message : String(error) });
    }
  }
  return findings;
}
