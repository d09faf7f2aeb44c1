/** Pieces the `accessbot policy …` commands share: their IO, argument parsing, loading the policy, people as arguments. */
import { parseArgs } from 'node:util';
import { formatProblems, loadPolicyFile, type LoadPolicyResult, type PolicyProblem } from '../config/load-policy.ts';
import { resolvePolicyPath } from '../config/policy-path.ts';
import type { Person } from '../domain/identity.ts';
import type { ProviderFactory } from '../providers/types.ts';
import { UsageError } from './io.ts';

export { UsageError };

export interface PolicyCommandIo {
  out(s: string): void;
  err(s: string): void;
  env: Record<string, string | undefined>;
  providers: Record<string, ProviderFactory>;
  /** Where ./accessbot.yaml is looked for, and relative paths start; default process.cwd(). */
  cwd?: string;
}

export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** parseArgs with usage errors that say what would work. */
export function parseCommandArgs<O extends typeof HELP_OPTION>(args: string[], usage: string, options: O, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = ((error as Error).message.split('\n')[0] ?? '').replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(`${message}\n${usage}`);
  }
  if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"\n${usage}`);
  return parsed;
}

/** FILE, else $ACCESSBOT_POLICY, ./accessbot.yaml, the bundled example. */
export function policyPathFor(file: string | undefined, io: PolicyCommandIo): string {
  return resolvePolicyPath({ policyPath: file ?? io.env.ACCESSBOT_POLICY }, io.cwd);
}

/**
 * Loads the policy for a command that never reaches a target. Unless `requireEnv`, an unset `env:` variable is
 * a warning, so these commands run in CI without the production secrets.
 */
export function loadForCommand(path: string, io: PolicyCommandIo, requireEnv = false): LoadPolicyResult {
  return loadPolicyFile(path, { env: io.env, providers: io.providers, requireEnv });
}

/** One warning line, with its place in the file when known. */
export function formatWarning(problem: PolicyProblem): string {
  const where = problem.line === undefined ? '' : `  (line ${problem.line}${problem.column === undefined ? '' : `, column ${problem.column}`})`;
  return `⚠ ${problem.path === '' ? '' : `${problem.path}: `}${problem.message}${where}`;
}

/** The problems of a policy that did not load, then its warnings. */
export function formatLoadFailure(result: Extract<LoadPolicyResult, { ok: false }>, path: string): string {
  const [header = '', ...problems] = formatProblems(result.errors, path).split('\n');
  const count = result.warningProblems.length;
  const lines = [count === 0 ? header : `${header}, ${plural(count, 'warning')}`, ...problems];
  for (const warning of result.warningProblems) lines.push(`  ${formatWarning(warning)}`);
  return lines.join('\n');
}

/** EMAIL, slack:U123 or teams:<id>, as the requester. */
export function personFromArg(text: string): Person {
  if (text.startsWith('slack:')) return { slackId: text.slice('slack:'.length) };
  if (text.startsWith('teams:')) return { teamsId: text.slice('teams:'.length) };
  return { email: text };
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
