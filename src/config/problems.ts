/**
 * Policy problems: where (a dotted path into the file, plus a line when known) and what, in words an operator
 * can act on. Detection (zod issues, cross-field rules) is separate from formatting (formatProblems).
 */
import { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';

export interface PolicyProblem {
  /** e.g. `roles.readonly.max_duration`, `groups.sre[2]`; '' for the whole file. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export type PathSegment = string | number;

/** A problem still holding its path as segments, so the loader can find its line in the YAML. */
export interface Finding {
  at: PathSegment[];
  message: string;
}

export function formatPath(at: readonly PathSegment[]): string {
  let out = '';
  for (const segment of at) out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  return out;
}

/** One line per problem, after a header naming the file. */
export function formatProblems(problems: readonly PolicyProblem[], source: string): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = problems.map((p) => {
    const where = p.line === undefined ? '' : `  (line ${p.line}${p.column === undefined ? '' : `, column ${p.column}`})`;
    return `  ${p.path === '' ? '' : `${p.path}: `}${p.message}${where}`;
  });
  return [`✗ ${source}: ${count}`, ...lines].join('\n');
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
};

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'string' ? 'text' : `a ${typeof value}`;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/**
 * Friendly default messages, passed per parse. Messages set on a schema (ours or a provider's) take precedence,
 * so this only fills in where nobody said anything better.
 */
export const friendlyErrorMap: z.core.$ZodErrorMap = (iss) => friendlyMessage(iss, false);

/** The same words without ever repeating the value: for settings that may hold secrets read from env:. */
export const quietErrorMap: z.core.$ZodErrorMap = (iss) => friendlyMessage(iss, true);

function friendlyMessage(iss: Parameters<z.core.$ZodErrorMap>[0], quiet: boolean): string | undefined {
  const subject = quiet ? 'must' : `${describeValue(iss.input)} must`;
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${iss.input === null ? 'nothing' : quiet ? typeName(iss.input) : describeValue(iss.input)}`;
    case 'invalid_value':
      return iss.values.length === 1
        ? `must be ${JSON.stringify(iss.values[0])}`
        : `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      if (iss.origin === 'array') return `must list at least ${String(iss.minimum)}`;
      if (iss.origin === 'string') return Number(iss.minimum) <= 1 ? 'must not be empty' : `must be at least ${String(iss.minimum)} characters`;
      return `must be at least ${String(iss.minimum)}`;
    case 'too_big':
      if (iss.origin === 'array') return `must list at most ${String(iss.maximum)}`;
      if (iss.origin === 'string') return `must be at most ${String(iss.maximum)} characters`;
      return `must be at most ${String(iss.maximum)}`;
    case 'invalid_format':
      if (iss.format === 'regex' && 'pattern' in iss) return `${subject} match ${String(iss.pattern)}`;
      if (iss.format === 'starts_with' && 'prefix' in iss) return `${subject} start with ${JSON.stringify(iss.prefix)}`;
      if (iss.format === 'ends_with' && 'suffix' in iss) return `${subject} end with ${JSON.stringify(iss.suffix)}`;
      return `${subject} be a valid ${iss.format === 'url' ? 'URL' : iss.format}`;
    default:
      return undefined;
  }
}

/** Parse with friendly messages; on failure, findings with paths under `prefix`. */
export function parseWith<T>(
  schema: z.ZodType<T>,
  input: unknown,
  prefix: readonly PathSegment[] = [],
  opts: { quiet?: boolean } = {},
): { ok: true; value: T } | { ok: false; findings: Finding[] } {
  const result = schema.safeParse(input, { error: opts.quiet ? quietErrorMap : friendlyErrorMap });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, findings: result.error.issues.flatMap((issue) => issueFindings(issue, schema, prefix)) };
}

function issueFindings(issue: z.core.$ZodIssue, root: z.ZodType, prefix: readonly PathSegment[]): Finding[] {
  const at = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(root, issue.path);
    return issue.keys.map((key) => ({
      at: [...at, key],
      message: `unknown key${known.length ? didYouMean(key, known) || ` (known keys: ${known.join(', ')})` : ''}`,
    }));
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0];
    return [{ at, message: inner?.message ?? issue.message }];
  }
  return [{ at, message: issue.message }];
}

/** The keys an object schema accepts at `path` (record keys and array indexes are stepped over). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  for (const segment of path) {
    node = unwrap(node);
    if (node instanceof z.ZodObject) {
      const shape = node.shape as Record<string, z.ZodType>;
      node = Object.hasOwn(shape, String(segment)) ? shape[String(segment)] : undefined;
    }
    else if (node instanceof z.ZodRecord) node = node.valueType as z.ZodType;
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else return [];
    if (!node) return [];
  }
  node = unwrap(node);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  for (;;) {
    if (node instanceof z.ZodOptional || node instanceof z.ZodNullable || node instanceof z.ZodDefault) node = node.unwrap() as z.ZodType;
    else if (node instanceof z.ZodPipe) node = node.in as z.ZodType;
    else return node;
  }
}
