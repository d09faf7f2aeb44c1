/**
 * The policy as `serve` and the store-backed CLI commands load it: strict, with every problem in one message.
 * Strict includes the environment: an `env:NAME` (without a default) whose variable is unset stops the start.
 * A reload of the running bot (src/app/reload-policy.ts) loads the file the same way.
 */
import type { Policy } from '../domain/policy.ts';
import { builtinProviders } from '../providers/registry.ts';
import { resolvePolicyPath, type Config } from './env.ts';
import { formatProblems, loadPolicyFile, loadPolicyText, type LoadPolicyResult, type PolicyProblem } from './load-policy.ts';
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

/** One line per problem, with its line in the file: how logs and the audit channel show them. */
export function problemLine(p: PolicyProblem): string {
  return `${p.path === '' ? '' : `${p.path}: `}${p.message}${p.line === undefined ? '' : ` (line ${p.line})`}`;
}

/** A policy text kept in the store, read again as strictly as `serve` reads the file (src/app/last-good-policy.ts). */
export function resolveKeptPolicy(env: Readonly<Record<string, string | undefined>>) {
  return (source: { hash: string; text: string }): { ok: true; policy: Policy } | { ok: false; problems: string[] } => {
    const loaded = loadPolicyText(source.text, { env, providers: builtinProviders, requireEnv: true, source: `kept policy ${source.hash.slice(0, 12)}` }, source.hash);
    return loaded.ok ? { ok: true, policy: loaded.policy } : { ok: false, problems: loaded.errors.map(problemLine) };
  };
}
