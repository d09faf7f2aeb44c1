/**
 * Loads the policy file: YAML (with positions) → schema → env: values, provider schemas and cross-field rules →
 * the resolved Policy the core uses. Problems name the exact path, and the line when the file has it.
 *
 * Every stage runs as far as the file can be parsed: when the schema rejects a field, the rest of the file still
 * goes through the cross-reference stage (see salvage-policy.ts), so one run reports every problem. Only YAML
 * that cannot be parsed at all, or a file that is not a mapping, stops early.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Policy } from '../domain/policy.ts';
import type { ProviderFactory } from '../providers/types.ts';
import { policySchema } from './policy-schema.ts';
import { formatPath, parseWith, type Finding, type PolicyProblem } from './problems.ts';
import { resolvePolicy } from './resolve-policy.ts';
import { salvagePolicy } from './salvage-policy.ts';
import { parseYaml, positionOf, type YamlSource } from './yaml-source.ts';

export { formatProblems, type PolicyProblem } from './problems.ts';

export interface LoadPolicyOptions {
  env: Readonly<Record<string, string | undefined>>;
  providers: Readonly<Record<string, ProviderFactory>>;
  /** Shown in messages; the file path for loadPolicyFile. */
  source?: string;
  /**
   * Default true, as `serve` needs: an `env:NAME` without a default whose variable is unset is an error.
   * False (policy check/explain/test without the secrets): a warning, and that value goes unchecked.
   */
  requireEnv?: boolean;
}

interface LoadDetails {
  /** `path: message`, in file order. */
  warnings: string[];
  /** The same warnings with their lines. */
  warningProblems: PolicyProblem[];
  /** Variables written as env:NAME (no default) that are not set. */
  missingEnv: string[];
  /** sha256 of the bytes loaded (a valid policy carries it as `policy.hash`); null when the file could not be read. */
  hash: string | null;
  /** The file's text as read (loadPolicyFile): what the store keeps of a good policy (src/app/last-good-policy.ts). */
  text?: string;
}

export type LoadPolicyResult = ({ ok: true; policy: Policy } | { ok: false; errors: PolicyProblem[] }) & LoadDetails;

const NO_DETAILS: Omit<LoadDetails, 'hash'> = { warnings: [], warningProblems: [], missingEnv: [] };

/** sha256 (hex) of the policy file's bytes: the same text `sha256sum accessbot.yaml` prints. */
export function policyHash(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `hash`: of the file's bytes when they were read from a file; of the text's UTF-8 otherwise. */
export function loadPolicyText(yamlText: string, opts: LoadPolicyOptions, hash: string = policyHash(yamlText)): LoadPolicyResult {
  const parsed = parseYaml(yamlText);
  if (!parsed.ok) return { ok: false, errors: parsed.problems, ...NO_DETAILS, hash };
  if (parsed.value === null || parsed.value === undefined) {
    return { ok: false, errors: [{ path: '', message: 'the policy is empty: it needs at least version: 1, resources: and roles:' }], ...NO_DETAILS, hash };
  }
  if (typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    return { ok: false, errors: [{ path: '', message: 'the policy must be a mapping with version:, resources: and roles: at the top' }], ...NO_DETAILS, hash };
  }
  const checked = parseWith(policySchema, parsed.value);
  const schemaFindings = checked.ok ? [] : checked.findings;
  const salvaged = salvagePolicy(parsed.value as Record<string, unknown>, checked.ok);
  const resolved = resolvePolicy(salvaged, opts);
  const warningProblems = toProblems(resolved.warnings, parsed.source);
  const details: LoadDetails = {
    warnings: warningProblems.map((w) => (w.path === '' ? w.message : `${w.path}: ${w.message}`)),
    warningProblems,
    missingEnv: resolved.missingEnv,
    hash,
  };
  const errors = distinct([...schemaFindings, ...resolved.errors]);
  if (errors.length > 0 || !resolved.policy) return { ok: false, errors: toProblems(errors, parsed.source), ...details };
  return { ok: true, policy: { ...resolved.policy, hash }, ...details };
}

/** Each problem once (a stage that re-checks what the schema already said must not repeat it). */
function distinct(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = `${formatPath(finding.at)}\n${finding.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function loadPolicyFile(path: string, opts: LoadPolicyOptions): LoadPolicyResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return { ok: false, errors: [{ path: '', message: `cannot read ${path}: ${readError(error)}` }], ...NO_DETAILS, hash: null };
  }
  const text = bytes.toString('utf8');
  return { ...loadPolicyText(text, { ...opts, source: opts.source ?? path }, policyHash(bytes)), text };
}

export function readError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(error);
}

/** In file order, so the list reads top to bottom alongside the file. */
export function toProblems(findings: readonly Finding[], source: YamlSource): PolicyProblem[] {
  const problems: PolicyProblem[] = findings.map((finding) => ({ path: formatPath(finding.at), message: finding.message, ...positionOf(source, finding.at) }));
  const key = (p: PolicyProblem) => (p.line ?? Number.MAX_SAFE_INTEGER) * 10_000 + (p.column ?? 0);
  return problems.map((p, i) => ({ p, i })).sort((a, b) => key(a.p) - key(b.p) || a.i - b.i).map(({ p }) => p);
}
