/**
 * Loads the policy file: YAML (with positions) → schema → env: values, provider schemas and cross-field rules →
 * the resolved Policy the core uses. Problems name the exact path, and the line when the file has it.
 */
import { readFileSync } from 'node:fs';
import type { Policy } from '../domain/policy.ts';
import type { ProviderFactory } from '../providers/types.ts';
import { policySchema } from './policy-schema.ts';
import { formatPath, parseWith, type Finding, type PolicyProblem } from './problems.ts';
import { resolvePolicy } from './resolve-policy.ts';
import { parseYaml, positionOf, type YamlSource } from './yaml-source.ts';

export { formatProblems, type PolicyProblem } from './problems.ts';

export interface LoadPolicyOptions {
  env: Readonly<Record<string, string | undefined>>;
  providers: Readonly<Record<string, ProviderFactory>>;
  /** Shown in messages; the file path for loadPolicyFile. */
  source?: string;
}

export type LoadPolicyResult = { ok: true; policy: Policy; warnings: string[] } | { ok: false; errors: PolicyProblem[] };

export function loadPolicyText(yamlText: string, opts: LoadPolicyOptions): LoadPolicyResult {
  const parsed = parseYaml(yamlText);
  if (!parsed.ok) return { ok: false, errors: parsed.problems };
  if (parsed.value === null || parsed.value === undefined) {
    return { ok: false, errors: [{ path: '', message: 'the policy is empty: it needs at least version: 1, resources: and roles:' }] };
  }
  if (typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    return { ok: false, errors: [{ path: '', message: 'the policy must be a mapping with version:, resources: and roles: at the top' }] };
  }
  const checked = parseWith(policySchema, parsed.value);
  if (!checked.ok) return { ok: false, errors: toProblems(checked.findings, parsed.source) };
  const resolved = resolvePolicy(checked.value, opts);
  if (!resolved.policy) return { ok: false, errors: toProblems(resolved.errors, parsed.source) };
  return { ok: true, policy: resolved.policy, warnings: resolved.warnings.map((w) => `${formatPath(w.at)}: ${w.message}`) };
}

export function loadPolicyFile(path: string, opts: LoadPolicyOptions): LoadPolicyResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(error);
    return { ok: false, errors: [{ path: '', message: `cannot read ${path}: ${why}` }] };
  }
  return loadPolicyText(text, { ...opts, source: opts.source ?? path });
}

/** In file order, so the list reads top to bottom alongside the file. */
function toProblems(findings: readonly Finding[], source: YamlSource): PolicyProblem[] {
  const problems: PolicyProblem[] = findings.map((finding) => ({ path: formatPath(finding.at), message: finding.message, ...positionOf(source, finding.at) }));
  const key = (p: PolicyProblem) => (p.line ?? Number.MAX_SAFE_INTEGER) * 10_000 + (p.column ?? 0);
  return problems.map((p, i) => ({ p, i })).sort((a, b) => key(a.p) - key(b.p) || a.i - b.i).map(({ p }) => p);
}
