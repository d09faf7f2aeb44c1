/**
 * When the policy file is invalid: the last good policy kept in the store (src/app/last-good-policy.ts), read
 * again as strictly as the file would be, and the fault to run under. Used by `serve` (src/main.ts) and by the
 * store-backed CLI commands (an admin can still revoke while the file is broken). Without a kept policy — a first
 * start, or a database from before policies were kept — or when the kept one does not load either (an env:
 * value gone), the start fails with the file's problems, as it always did.
 */
import type { StoreReads } from '../../db/store/port.ts';
import { lastGoodPolicy } from '../app/last-good-policy.ts';
import type { PolicyFault } from '../app/policy-fault.ts';
import type { Policy } from '../domain/policy.ts';
import { formatProblems, type LoadPolicyResult } from './load-policy.ts';
import { problemLine, resolveKeptPolicy, StartupError } from './startup-policy.ts';

export async function startOnLastGoodPolicy(
  store: Pick<StoreReads, 'kvGet'>,
  path: string,
  invalid: LoadPolicyResult,
  env: Readonly<Record<string, string | undefined>>,
  now: number,
): Promise<{ policy: Policy; fault: PolicyFault }> {
  const errors = invalid.ok ? [] : invalid.errors;
  const kept = await lastGoodPolicy(store);
  if (!kept) throw new StartupError(formatProblems(errors, path));
  const resolved = resolveKeptPolicy(env)(kept);
  if (!resolved.ok) {
    throw new StartupError(`${formatProblems(errors, path)}\nThe last good policy kept in the database (sha256 ${kept.hash.slice(0, 12)}) does not load either:\n${resolved.problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return { policy: resolved.policy, fault: { path, fileHash: invalid.hash, problems: errors.map(problemLine), since: now } };
}
