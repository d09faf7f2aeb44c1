/**
 * The cases file of `accessbot policy test`: table-driven expectations about what the policy decides when
 * someone files a request. Validated with zod like the policy, with path-named problems and lines.
 *
 *   policy: accessbot.yaml            # optional, relative to this file (--policy wins)
 *   cases:
 *     - { user: alice@example.com, role: readonly, duration: 15m, expect: auto_approved }
 *     - { user: bob@example.com, role: deploy, duration: 9h, expect: { refused: max_duration } }
 *     - user: dave@example.com
 *       role: writer
 *       ticket: INC-7
 *       expect: { pending: { approvals: 2, approvers_include: [carol@example.com] } }
 *
 * A bare list of cases is accepted too.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { readError, toProblems, type PolicyProblem } from '../config/load-policy.ts';
import { durationText } from '../config/policy-schema.ts';
import { parseWith, type Finding, type PathSegment } from '../config/problems.ts';
import { parseYaml, positionOf } from '../config/yaml-source.ts';
import { parseDuration } from '../domain/duration.ts';
import type { ErrorCode } from '../domain/errors.ts';

/** What filing a request can lead to (the domain's FilingOutcome), or a refusal. */
export type Outcome = 'auto_approved' | 'pending' | 'break_glass' | 'refused';

/** The refusals checkNewRequest gives, by their AccessError code. */
export const REFUSAL_CODES = [
  'unknown_role',
  'not_requester',
  'duration_too_long',
  'duration_too_short',
  'reason_required',
  'ticket_required',
  'ticket_invalid',
  'break_glass_not_allowed',
] as const satisfies readonly ErrorCode[];
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** Names of policy fields that read naturally in a case: `refused: max_duration`. */
export const REFUSAL_ALIASES: Readonly<Record<string, RefusalCode>> = {
  max_duration: 'duration_too_long',
  min_duration: 'duration_too_short',
  require_ticket: 'ticket_required',
  requesters: 'not_requester',
  break_glass: 'break_glass_not_allowed',
};

const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value));

const PERSON_PATTERN = /^(?:[^\s@:]+@[^\s@]+\.[^\s@]+|slack:[A-Z0-9]+|teams:\S+)$/;
const person = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : `${show(iss.input)} is not a person (use an email, slack:U123ABC or teams:<id>)`) })
  .regex(PERSON_PATTERN, { error: (iss) => `${show(iss.input)} is not a person (use an email, slack:U123ABC or teams:<id>)` });

const refusal = z
  .string()
  .refine((code) => (REFUSAL_CODES as readonly string[]).includes(code) || Object.hasOwn(REFUSAL_ALIASES, code), {
    error: (iss) => `${show(iss.input)} is not a refusal; use one of ${[...REFUSAL_CODES, ...Object.keys(REFUSAL_ALIASES)].join(', ')}`,
  })
  .transform((code) => (REFUSAL_ALIASES[code] ?? code) as RefusalCode);

const granted = z.strictObject({ duration: durationText.optional() });
const pending = z.strictObject({
  duration: durationText.optional(),
  approvals: z.number().int().min(1).optional(),
  approvers_include: z.array(person).optional(),
  approvers_exclude: z.array(person).optional(),
  request_ttl: durationText.optional(),
});

export const OUTCOME_WORDS = ['auto_approved', 'pending', 'break_glass', 'refused', 'allowed'] as const;
const outcomeWord = z.enum(OUTCOME_WORDS, { error: (iss) => `${show(iss.input)} is not an outcome; use one of ${OUTCOME_WORDS.join(', ')}` });

const expectObject = z.strictObject({
  refused: refusal.nullish(),
  pending: pending.nullish(),
  auto_approved: granted.nullish(),
  break_glass: granted.nullish(),
});

const caseSchema = z.strictObject({
  name: z.string().min(1).optional(),
  user: person,
  role: z.string().min(1),
  duration: durationText.optional(),
  ticket: z.union([z.string(), z.number()], { error: 'expected a ticket id such as INC-123' }).transform(String).optional(),
  reason: z.string().optional(),
  break_glass: z.boolean().optional(),
  /** Runbook actions the holder of this role may (may not) run while the grant is active. */
  can_run: z.array(z.string().min(1)).optional(),
  cannot_run: z.array(z.string().min(1)).optional(),
  // Checked on its own below: a word or a mapping, each with its own friendly problems.
  expect: z.unknown().refine((value) => value !== undefined && value !== null, { error: 'is required (auto_approved, pending, break_glass, refused, allowed or a mapping such as { refused: max_duration })' }),
});

const casesFileSchema = z.strictObject({
  policy: z.string().min(1).optional(),
  cases: z.array(z.unknown()).min(1),
});

/** The expectation, normalised. `allowed`: anything but a refusal. Durations in ms. */
export type Expectation =
  | { outcome: 'allowed' }
  | { outcome: 'refused'; code?: RefusalCode }
  | { outcome: 'auto_approved' | 'break_glass'; durationMs?: number }
  | {
      outcome: 'pending';
      durationMs?: number;
      approvals?: number;
      approversInclude?: string[];
      approversExclude?: string[];
      requestTtlMs?: number;
    };

export interface PolicyTestCase {
  index: number;
  /** As written, or made from the input. */
  name: string;
  line?: number;
  user: string;
  role: string;
  durationMs?: number;
  duration?: string;
  ticket?: string;
  reason?: string;
  breakGlass: boolean;
  expect: Expectation;
  canRun?: string[];
  cannotRun?: string[];
}

export type CasesFileResult = { ok: true; policy?: string; cases: PolicyTestCase[] } | { ok: false; errors: PolicyProblem[] };

export function loadCasesFile(path: string): CasesFileResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, errors: [{ path: '', message: `cannot read ${path}: ${readError(error)}` }] };
  }
  return parseCases(text);
}

const ms = (text: string | undefined): number | undefined => (text === undefined ? undefined : (parseDuration(text) ?? undefined));

export function parseCases(text: string): CasesFileResult {
  const parsed = parseYaml(text);
  if (!parsed.ok) return { ok: false, errors: parsed.problems };
  const value = parsed.value;
  if (value === null || value === undefined) return { ok: false, errors: [{ path: '', message: 'the cases file is empty: it needs a list of cases (or cases: with one)' }] };

  const findings: Finding[] = [];
  let policy: string | undefined;
  let list: unknown[];
  let prefix: PathSegment[];
  if (Array.isArray(value)) {
    list = value;
    prefix = [];
    if (list.length === 0) findings.push({ at: [], message: 'the list of cases is empty' });
  } else if (typeof value === 'object') {
    const top = parseWith(casesFileSchema, value);
    if (!top.ok) findings.push(...top.findings);
    else policy = top.value.policy;
    const cases = (value as Record<string, unknown>).cases;
    list = Array.isArray(cases) ? cases : [];
    prefix = ['cases'];
  } else {
    return { ok: false, errors: [{ path: '', message: 'the cases file must be a list of cases, or a mapping with cases: (and optionally policy:)' }] };
  }

  const cases: PolicyTestCase[] = [];
  list.forEach((entry, index) => {
    const at = [...prefix, index];
    const checked = parseWith(caseSchema, entry, at);
    const expectation = entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? parseExpectation((entry as Record<string, unknown>).expect, [...at, 'expect']) : undefined;
    if (!checked.ok) findings.push(...checked.findings);
    if (expectation && !expectation.ok) findings.push(...expectation.findings);
    if (!checked.ok || !expectation?.ok) return;
    const c = checked.value;
    const position = positionOf(parsed.source, at);
    cases.push({
      index,
      name: c.name ?? describeInput(c),
      ...(position && { line: position.line }),
      user: c.user,
      role: c.role,
      ...(c.duration !== undefined && { duration: c.duration, durationMs: ms(c.duration)! }),
      ...(c.ticket !== undefined && { ticket: c.ticket }),
      ...(c.reason !== undefined && { reason: c.reason }),
      breakGlass: c.break_glass ?? false,
      expect: expectation.value,
      ...(c.can_run && { canRun: c.can_run }),
      ...(c.cannot_run && { cannotRun: c.cannot_run }),
    });
  });
  if (findings.length > 0) return { ok: false, errors: toProblems(findings, parsed.source) };
  return { ok: true, ...(policy !== undefined && { policy }), cases };
}

function describeInput(c: { user: string; role: string; duration?: string | undefined; ticket?: string | undefined; break_glass?: boolean | undefined }): string {
  return `${c.user} → ${c.role}${c.duration ? ` for ${c.duration}` : ''}${c.ticket ? ` (ticket ${c.ticket})` : ''}${c.break_glass ? ' (break-glass)' : ''}`;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; findings: Finding[] };

function parseExpectation(value: unknown, at: PathSegment[]): Parsed<Expectation> | undefined {
  if (value === undefined || value === null) return undefined; // "is required" comes from the case schema
  if (typeof value === 'string') {
    const word = parseWith(outcomeWord, value, at);
    if (!word.ok) return word;
    return { ok: true, value: { outcome: word.value } };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, findings: [{ at, message: `expected an outcome (${OUTCOME_WORDS.join(', ')}) or a mapping such as { refused: max_duration }` }] };
  }
  const keys = Object.keys(value);
  const parsed = parseWith(expectObject, value, at);
  if (!parsed.ok) return parsed;
  const given = keys.filter((key) => key in expectObject.shape);
  if (given.length !== 1) {
    return { ok: false, findings: [{ at, message: `name exactly one outcome (refused, pending, auto_approved or break_glass), not ${given.length === 0 ? 'none' : given.join(' and ')}` }] };
  }
  const e = parsed.value;
  if (given[0] === 'refused') return { ok: true, value: { outcome: 'refused', ...(e.refused != null && { code: e.refused }) } };
  if (given[0] === 'pending') {
    const p = e.pending ?? {};
    return {
      ok: true,
      value: {
        outcome: 'pending',
        ...(p.duration !== undefined && { durationMs: ms(p.duration)! }),
        ...(p.approvals !== undefined && { approvals: p.approvals }),
        ...(p.approvers_include !== undefined && { approversInclude: p.approvers_include }),
        ...(p.approvers_exclude !== undefined && { approversExclude: p.approvers_exclude }),
        ...(p.request_ttl !== undefined && { requestTtlMs: ms(p.request_ttl)! }),
      },
    };
  }
  const outcome = given[0] as 'auto_approved' | 'break_glass';
  const g = e[outcome] ?? {};
  return { ok: true, value: { outcome, ...(g.duration !== undefined && { durationMs: ms(g.duration)! }) } };
}
