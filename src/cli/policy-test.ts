/**
 * `accessbot policy test CASES.yaml [--policy FILE] [--format text|json]`: runs table-driven cases against a
 * policy without touching any target, through the same rules the bot applies (checkNewRequest to file,
 * evaluateReview for who may approve). Exit 0 when every case passes, 1 when one fails (or a file has problems),
 * 2 on bad usage.
 */
import { actionDifferences } from './policy-actions.ts';
import { dirname, resolve } from 'node:path';
import { formatProblems, type PolicyProblem } from '../config/load-policy.ts';
import { formatDuration } from '../domain/duration.ts';
import { AccessError, isAccessError, type ErrorCode } from '../domain/errors.ts';
import type { Person } from '../domain/identity.ts';
import { roleNamed, type Policy, type RoleDef } from '../domain/policy.ts';
import { checkNewRequest, evaluateReview } from '../domain/request-rules.ts';
import {
  HELP_OPTION,
  UsageError,
  loadForCommand,
  parseCommandArgs,
  personFromArg,
  plural,
  policyPathFor,
  type PolicyCommandIo,
} from './policy-shared.ts';
import { loadCasesFile, type Expectation, type Outcome, type PolicyTestCase } from './policy-test-cases.ts';
import { TEST_HELP, TEST_USAGE } from './policy-test-usage.ts';

export { TEST_HELP, TEST_USAGE } from './policy-test-usage.ts';


const TEST_OPTIONS = { ...HELP_OPTION, policy: { type: 'string' }, format: { type: 'string' } } as const;

/** What the policy decided for one case. */
export interface ActualDecision {
  outcome: Outcome;
  /** For a refusal. */
  code?: ErrorCode;
  message?: string;
  durationMs?: number;
  approvals?: number;
  /** Pending: every policy member who may approve this request. */
  approvers?: string[];
  requestTtlMs?: number;
}

export interface Difference {
  field: string;
  expected: string;
  actual: string;
}

export interface CaseResult {
  testCase: PolicyTestCase;
  actual: ActualDecision;
  differences: Difference[];
}

/** File the case's request against the policy, as the bot would, and read off the decision. */
export function decide(policy: Policy, testCase: PolicyTestCase): ActualDecision {
  const requester = personFromArg(testCase.user);
  try {
    const checked = checkNewRequest(policy, {
      roleName: testCase.role,
      requester,
      ...(testCase.durationMs !== undefined && { durationMs: testCase.durationMs }),
      reason: testCase.reason ?? 'policy test',
      ticket: testCase.ticket ?? null,
      breakGlass: testCase.breakGlass,
    });
    const decision: ActualDecision = { outcome: checked.outcome, durationMs: checked.durationMs };
    if (checked.outcome === 'pending') {
      decision.approvals = checked.approvalsRequired;
      decision.approvers = [...checked.role.approvers].filter((member) => reviewRefusal(checked.role, requester, checked.approvalsRequired, member) === null);
      decision.requestTtlMs = checked.role.requestTtlMs;
    }
    return decision;
  } catch (error) {
    if (!isAccessError(error)) throw error;
    return { outcome: 'refused', code: error.code, message: error.userMessage };
  }
}

/** Why `candidate` could not approve this pending request (evaluateReview's answer), or null when they could. */
function reviewRefusal(role: RoleDef, requester: Person, approvalsRequired: number, candidate: string): AccessError | null {
  try {
    evaluateReview(role, { status: 'pending', requester, approvalsRequired }, [], personFromArg(candidate), 'approve');
    return null;
  } catch (error) {
    if (error instanceof AccessError) return error;
    throw error;
  }
}

const d = formatDuration;

function describeExpected(e: Expectation): string {
  if (e.outcome === 'allowed') return 'allowed (anything but a refusal)';
  if (e.outcome === 'refused') return e.code ? `refused (${e.code})` : 'refused';
  return e.outcome;
}

function describeActual(a: ActualDecision): string {
  switch (a.outcome) {
    case 'refused':
      return `refused (${a.code}): ${a.message}`;
    case 'pending':
      return `pending, needs ${plural(a.approvals ?? 0, 'approval')} from ${a.approvers?.join(', ') || 'nobody'}, for ${d(a.durationMs ?? 0)}`;
    default:
      return `${a.outcome} for ${d(a.durationMs ?? 0)}`;
  }
}

/** Expected against actual, field by field; empty when the case passes. */
export function compare(policy: Policy, testCase: PolicyTestCase, actual: ActualDecision): Difference[] {
  const e = testCase.expect;
  const outcomeMatches = e.outcome === 'allowed' ? actual.outcome !== 'refused' : e.outcome === actual.outcome;
  if (!outcomeMatches) return [{ field: 'outcome', expected: describeExpected(e), actual: describeActual(actual) }];
  const out: Difference[] = [];
  if (e.outcome === 'refused') {
    if (e.code && e.code !== actual.code) out.push({ field: 'refused', expected: e.code, actual: `${actual.code}: ${actual.message}` });
    return out;
  }
  if (e.outcome === 'allowed') return out;
  if (e.durationMs !== undefined && e.durationMs !== actual.durationMs) out.push({ field: 'duration', expected: d(e.durationMs), actual: d(actual.durationMs ?? 0) });
  if (e.outcome !== 'pending') return out;

  if (e.approvals !== undefined && e.approvals !== actual.approvals) out.push({ field: 'approvals', expected: String(e.approvals), actual: String(actual.approvals) });
  if (e.requestTtlMs !== undefined && e.requestTtlMs !== actual.requestTtlMs) {
    out.push({ field: 'request_ttl', expected: d(e.requestTtlMs), actual: d(actual.requestTtlMs ?? 0) });
  }
  const role = policy.roles[testCase.role]!;
  const requester = personFromArg(testCase.user);
  const approvers = actual.approvers?.join(', ') || 'nobody';
  for (const candidate of e.approversInclude ?? []) {
    const refusal = reviewRefusal(role, requester, actual.approvals ?? 1, candidate);
    if (refusal) out.push({ field: 'approvers_include', expected: `${candidate} may approve`, actual: `${candidate} may not: ${refusal.userMessage} (approvers: ${approvers})` });
  }
  for (const candidate of e.approversExclude ?? []) {
    if (!reviewRefusal(role, requester, actual.approvals ?? 1, candidate)) {
      out.push({ field: 'approvers_exclude', expected: `${candidate} may not approve`, actual: `${candidate} may approve (approvers: ${approvers})` });
    }
  }
  return out;
}

export function runCases(policy: Policy, cases: readonly PolicyTestCase[]): CaseResult[] {
  return cases.map((testCase) => {
    const actual = decide(policy, testCase);
    const actions = actionDifferences(roleNamed(policy, testCase.role), actual.outcome === 'refused', testCase.canRun, testCase.cannotRun);
    return { testCase, actual, differences: [...compare(policy, testCase, actual), ...actions] };
  });
}

export async function runPolicyTest(args: string[], io: PolicyCommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, TEST_USAGE, TEST_OPTIONS, 1);
  if (values.help) {
    io.out(TEST_HELP);
    return 0;
  }
  const format = typeof values.format === 'string' ? values.format : 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}"\n${TEST_USAGE}`);
  const casesArg = positionals[0];
  if (!casesArg) throw new UsageError(`name the cases file\n${TEST_USAGE}`);
  const casesPath = resolve(io.cwd ?? process.cwd(), casesArg);
  const json = format === 'json';

  const fail = (file: string, errors: PolicyProblem[], what: 'cases' | 'policy'): number => {
    if (json) io.out(JSON.stringify({ ok: false, [`${what}_file`]: file, errors: errors.map((p) => ({ file, ...p })) }, null, 2));
    else io.err(formatProblems(errors, file));
    return 1;
  };

  const cases = loadCasesFile(casesPath);
  if (!cases.ok) return fail(casesPath, cases.errors, 'cases');
  const policyPath =
    typeof values.policy === 'string'
      ? resolve(io.cwd ?? process.cwd(), values.policy)
      : cases.policy !== undefined
        ? resolve(dirname(casesPath), cases.policy)
        : policyPathFor(undefined, io);
  const loaded = loadForCommand(policyPath, io);
  if (!loaded.ok) return fail(policyPath, loaded.errors, 'policy');

  const results = runCases(loaded.policy, cases.cases);
  const failed = results.filter((r) => r.differences.length > 0).length;
  if (json) io.out(JSON.stringify(toJson(policyPath, casesPath, results), null, 2));
  else io.out(formatText(policyPath, casesPath, results));
  return failed === 0 ? 0 : 1;
}

function formatText(policyPath: string, casesPath: string, results: readonly CaseResult[]): string {
  const failed = results.filter((r) => r.differences.length > 0);
  const lines = [`policy test: ${casesPath}`, `  policy: ${policyPath}`];
  for (const { testCase, differences } of results) {
    const where = testCase.line === undefined ? '' : `  (line ${testCase.line})`;
    lines.push(`${differences.length === 0 ? '✓' : '✗'} ${testCase.name}${where}`);
    for (const difference of differences) {
      lines.push(`    - ${difference.field}: ${difference.expected}`);
      lines.push(`    + ${difference.field}: ${difference.actual}`);
    }
  }
  lines.push(
    failed.length === 0
      ? `✓ ${plural(results.length, 'case')} passed`
      : `✗ ${failed.length} of ${plural(results.length, 'case')} failed (- expected, + actual)`,
  );
  return lines.join('\n');
}

function toJson(policyPath: string, casesPath: string, results: readonly CaseResult[]) {
  const failed = results.filter((r) => r.differences.length > 0).length;
  return {
    ok: failed === 0,
    policy_file: policyPath,
    cases_file: casesPath,
    summary: { total: results.length, passed: results.length - failed, failed },
    results: results.map(({ testCase: c, actual, differences }) => ({
      index: c.index,
      name: c.name,
      ...(c.line !== undefined && { line: c.line }),
      passed: differences.length === 0,
      input: {
        user: c.user,
        role: c.role,
        ...(c.duration !== undefined && { duration: c.duration }),
        ...(c.ticket !== undefined && { ticket: c.ticket }),
        ...(c.reason !== undefined && { reason: c.reason }),
        break_glass: c.breakGlass,
      },
      expected: expectedJson(c.expect),
      actual: {
        outcome: actual.outcome,
        ...(actual.code !== undefined && { code: actual.code, message: actual.message }),
        ...(actual.durationMs !== undefined && { duration: d(actual.durationMs) }),
        ...(actual.approvals !== undefined && { approvals: actual.approvals }),
        ...(actual.approvers !== undefined && { approvers: actual.approvers }),
        ...(actual.requestTtlMs !== undefined && { request_ttl: d(actual.requestTtlMs) }),
      },
      differences,
    })),
  };
}

function expectedJson(e: Expectation): Record<string, unknown> {
  switch (e.outcome) {
    case 'allowed':
      return { outcome: 'allowed' };
    case 'refused':
      return { outcome: 'refused', ...(e.code !== undefined && { code: e.code }) };
    case 'pending':
      return {
        outcome: 'pending',
        ...(e.durationMs !== undefined && { duration: d(e.durationMs) }),
        ...(e.approvals !== undefined && { approvals: e.approvals }),
        ...(e.approversInclude !== undefined && { approvers_include: e.approversInclude }),
        ...(e.approversExclude !== undefined && { approvers_exclude: e.approversExclude }),
        ...(e.requestTtlMs !== undefined && { request_ttl: d(e.requestTtlMs) }),
      };
    default:
      return { outcome: e.outcome, ...(e.durationMs !== undefined && { duration: d(e.durationMs) }) };
  }
}
