/**
 * `accessbot policy check [FILE]`, `policy schema` and `policy explain`: look at a policy without running the bot.
 * Exit codes (DESIGN.md §6): 0 fine, 1 the check failed (or explain says "not allowed"), 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { resolvePolicyPath } from '../config/policy-path.ts';
import { formatProblems, loadPolicyFile, type LoadPolicyResult } from '../config/load-policy.ts';
import { policyJsonSchema } from '../config/policy-json-schema.ts';
import { DURATION_EXAMPLES, formatDuration, parseDuration } from '../domain/duration.ts';
import { isAccessError } from '../domain/errors.ts';
import { memberKeys, type Person } from '../domain/identity.ts';
import type { Policy, RoleDef } from '../domain/policy.ts';
import { checkNewRequest, requestableRoles } from '../domain/request-rules.ts';
import type { ProviderFactory } from '../providers/types.ts';

export interface PolicyCommandIo {
  out(s: string): void;
  err(s: string): void;
  env: Record<string, string | undefined>;
  providers: Record<string, ProviderFactory>;
  /** Where ./accessbot.yaml is looked for; default process.cwd(). */
  cwd?: string;
}

const USAGE = {
  policy: 'usage: accessbot policy check [FILE] | policy schema | policy explain --user EMAIL --role ROLE [--duration D] [--ticket ID] [--file FILE]',
  check: 'usage: accessbot policy check [FILE]',
  schema: 'usage: accessbot policy schema',
  explain: 'usage: accessbot policy explain --user EMAIL --role ROLE [--duration D] [--ticket ID] [--file FILE]',
};

const HELP = {
  policy: `${USAGE.policy}

  check [FILE]   validate a policy file (default: $ACCESSBOT_POLICY, ./accessbot.yaml, else the bundled example)
  schema         print the policy's JSON Schema (for editors and linters)
  explain        dry run: may this person request this role, is it auto-approved, who must approve

Run "accessbot policy COMMAND --help" for details.`,
  check: `${USAGE.check}

Validates the policy: YAML syntax, every field, env: values, provider settings and grants, groups (unknown
names, cycles) and whether every requester can actually be approved. Prints each problem with its path and line.
Exit 0 when the policy is fine (warnings are printed but do not fail), 1 when it is not.`,
  schema: `${USAGE.schema}

Prints the JSON Schema of the policy file, including each provider's resource settings.
Save it and point your editor's YAML plugin at it: accessbot policy schema > accessbot.schema.json`,
  explain: `${USAGE.explain}

Answers, without touching anything, what would happen if USER requested ROLE for D:
allowed or why not, auto-approved or not, break-glass, how many approvals and from whom, how long the request
waits, and whether a ticket is needed.
  --user EMAIL     the requester: an email, slack:U123 or teams:<id>
  --role ROLE      the role's name
  --duration D     ${DURATION_EXAMPLES} (default: the role's default duration)
  --ticket ID      check this ticket against the role's require_ticket
  --file FILE      the policy file (default as for "policy check")
Exit 0 when the request would be allowed, 1 when not.`,
};

class UsageError extends Error {}

export async function runPolicyCommand(args: string[], io: PolicyCommandIo): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'check':
        return runCheck(rest, io);
      case 'schema':
        return runSchema(rest, io);
      case 'explain':
        return runExplain(rest, io);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        if (command === undefined) {
          io.err(USAGE.policy);
          return 2;
        }
        io.out(HELP.policy);
        return 0;
      default:
        throw new UsageError(`unknown policy command "${command}"\n${USAGE.policy}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      return 2;
    }
    throw error;
  }
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;
const EXPLAIN_OPTIONS = {
  ...HELP_OPTION,
  user: { type: 'string' },
  role: { type: 'string' },
  duration: { type: 'string' },
  ticket: { type: 'string' },
  file: { type: 'string' },
} as const;

function parse<O extends typeof HELP_OPTION>(args: string[], usage: string, options: O, positionals: number) {
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

function load(file: string | undefined, io: PolicyCommandIo): { path: string; result: LoadPolicyResult } {
  const path = file ?? resolvePolicyPath({ policyPath: io.env.ACCESSBOT_POLICY }, io.cwd);
  return { path, result: loadPolicyFile(path, { env: io.env, providers: io.providers }) };
}

function runCheck(args: string[], io: PolicyCommandIo): number {
  const { values, positionals } = parse(args, USAGE.check, HELP_OPTION, 1);
  if (values.help) {
    io.out(HELP.check);
    return 0;
  }
  const { path, result } = load(positionals[0], io);
  if (!result.ok) {
    io.err(formatProblems(result.errors, path));
    return 1;
  }
  const { policy } = result;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  io.out(
    `✓ policy OK: ${count(Object.keys(policy.roles).length, 'role')}, ${count(Object.keys(policy.resources).length, 'resource')}, ${count(policy.groups.size, 'group')}`,
  );
  io.out(`  file: ${path}`);
  for (const warning of result.warnings) io.out(`  ⚠ ${warning}`);
  return 0;
}

function runSchema(args: string[], io: PolicyCommandIo): number {
  const { values } = parse(args, USAGE.schema, HELP_OPTION, 0);
  if (values.help) {
    io.out(HELP.schema);
    return 0;
  }
  io.out(JSON.stringify(policyJsonSchema(io.providers), null, 2));
  return 0;
}

function runExplain(args: string[], io: PolicyCommandIo): number {
  const { values } = parse(args, USAGE.explain, EXPLAIN_OPTIONS, 0);
  if (values.help) {
    io.out(HELP.explain);
    return 0;
  }
  const user = typeof values.user === 'string' ? values.user.trim() : '';
  const roleName = typeof values.role === 'string' ? values.role.trim() : '';
  if (!user) throw new UsageError(`--user is required\n${USAGE.explain}`);
  if (!roleName) throw new UsageError(`--role is required\n${USAGE.explain}`);
  let durationMs: number | undefined;
  if (typeof values.duration === 'string') {
    durationMs = parseDuration(values.duration) ?? undefined;
    if (durationMs === undefined) throw new UsageError(`"${values.duration}" is not a duration (${DURATION_EXAMPLES})\n${USAGE.explain}`);
  }
  const person = personFromArg(user);
  const ticket = typeof values.ticket === 'string' ? values.ticket : undefined;

  const { path, result } = load(typeof values.file === 'string' ? values.file : undefined, io);
  if (!result.ok) {
    io.err(formatProblems(result.errors, path));
    return 1;
  }
  const lines = explain(result.policy, { person, label: user, roleName, durationMs, ticket });
  io.out(lines.text.join('\n'));
  return lines.allowed ? 0 : 1;
}

/** EMAIL, slack:U123 or teams:<id>, as the requester. */
export function personFromArg(text: string): Person {
  if (text.startsWith('slack:')) return { slackId: text.slice('slack:'.length) };
  if (text.startsWith('teams:')) return { teamsId: text.slice('teams:'.length) };
  return { email: text };
}

export interface ExplainInput {
  person: Person;
  label: string;
  roleName: string;
  durationMs?: number;
  /** Absent: the ticket rule is described rather than checked. */
  ticket?: string;
}

/** The dry run itself: the same rules the bot applies to a real request. */
export function explain(policy: Policy, input: ExplainInput): { allowed: boolean; text: string[] } {
  const { person, label, roleName } = input;
  const role = policy.roles[roleName];
  // Without --ticket, check everything except the ticket and describe the ticket rule instead.
  const checkedPolicy: Policy =
    role && input.ticket === undefined ? { ...policy, roles: { ...policy.roles, [roleName]: { ...role, requireTicket: null } } } : policy;
  try {
    const checked = checkNewRequest(checkedPolicy, {
      roleName,
      requester: person,
      ...(input.durationMs !== undefined && { durationMs: input.durationMs }),
      reason: 'policy explain',
      ticket: input.ticket ?? null,
    });
    return { allowed: true, text: describeAllowed(policy, role!, person, label, checked.durationMs, checked.outcome === 'auto_approved', input) };
  } catch (error) {
    if (!isAccessError(error)) throw error;
    const text = [`✗ not allowed: ${label} → ${roleName}: ${error.userMessage}`];
    const mine = requestableRoles(policy, person).map((r) => r.name);
    if (error.code !== 'unknown_role') {
      text.push(mine.length ? `  roles ${label} may request: ${mine.join(', ')}` : `  ${label} may not request any role in this policy`);
    }
    return { allowed: false, text };
  }
}

function describeAllowed(
  policy: Policy,
  role: RoleDef,
  person: Person,
  label: string,
  durationMs: number,
  autoApproved: boolean,
  input: ExplainInput,
): string[] {
  const resource = policy.resources[role.resource];
  const how = input.durationMs === undefined ? ' (the role default)' : '';
  const text = [`✓ allowed: ${label} may request "${role.name}" for ${formatDuration(durationMs)}${how} on ${role.resource}${resource ? ` (${resource.provider})` : ''}`];

  const mine = new Set(memberKeys(person));
  const approvers = [...role.approvers].filter((member) => !mine.has(member));
  const approvalLine = `needs ${role.approvalsRequired} approval${role.approvalsRequired === 1 ? '' : 's'} from: ${approvers.join(', ')}`;
  if (autoApproved) {
    text.push(`  approval: auto-approved, no approval needed (up to ${formatDuration(role.autoApprove!.maxDurationMs)})`);
  } else {
    if (role.autoApprove) {
      text.push(`  auto-approval: no, ${formatDuration(durationMs)} is over the ${formatDuration(role.autoApprove.maxDurationMs)} limit for auto-approval`);
    }
    text.push(`  approval: ${approvalLine}`);
    if (approvers.length < role.approvers.size) text.push(`  (${label} is an approver too, but nobody approves their own request)`);
    text.push(`  a pending request expires after ${formatDuration(role.requestTtlMs)} without a decision`);
  }
  if (role.requireTicket === null) text.push('  ticket: not required');
  else if (input.ticket !== undefined) text.push(`  ticket: ${input.ticket.trim()} is accepted`);
  else text.push(role.requireTicket === '' ? '  ticket: required (any ticket id, --ticket ID)' : `  ticket: required, matching /${role.requireTicket}/ (--ticket ID)`);
  text.push(
    role.breakGlass
      ? `  break-glass: possible: ${label} may self-activate with --break-glass, without approval; it is flagged for review`
      : '  break-glass: not allowed for this role',
  );
  text.push(`  maximum for this role: ${formatDuration(role.maxDurationMs)}`);
  return text;
}
