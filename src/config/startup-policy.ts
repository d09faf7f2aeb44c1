/**
 * The policy as `serve` and the store-backed CLI commands load it: strict, with every problem in one message.
 * Strict includes the environment: an `env:NAME` (without a default) whose variable is unset stops the start.
 * A reload of the running bot (src/app/reload-policy.ts) loads the file the same way.
 */
import type { Policy } from '../domain/policy.ts';
import { builtinProviders } from '../providers/registry.ts';
import { resolvePolicyPath, type Config } from './env.ts';
import { formatProblems, loadPolicyFile, type LoadPolicyResult } from './load-policy.ts';
import { StartupError } from './startup-error.ts';

export { StartupError };

/** The file at `path`, checked as strictly as `serve` checks it at start (built-in providers, env: required). */
export function loadServePolicy(path: string, env: Readonly<Record<string, string | undefined>>): LoadPolicyResult {
  return loadPolicyFile(path, { env, providers: builtinProviders, requireEnv: true });
}

export function loadPolicyOrThrow(config: Config, env: Readonly<Record<string, string | undefined>>): { policy: Policy; path: string; warnings: string[] } {
  const path = resolvePolicyPath(config);
  const loaded = loadServePolicy(path, env);
  if (!loaded.ok) throw new StartupError(formatProblems(loaded.errors, path));
  return { policy: loaded.policy, path, warnings: loaded.warnings };
}
