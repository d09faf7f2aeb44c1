/**
 * `accessbot policy check [FILE]`, `policy schema`, `policy explain` and `policy test`: look at a policy without
 * running the bot, touching any target or needing its secrets.
 * Exit codes (DESIGN.md §6): 0 fine, 1 the check failed (or explain says "not allowed", or a case failed), 2 bad usage.
 */
import { explainActions } from './policy-actions.ts';
import { loadPolicyText } from '../config/load-policy.ts';
import { DURATION_EXAMPLES, formatDuration, parseDuration } from '../domain/duration.ts';
import { isAccessError } from '../domain/errors.ts';
import { memberKeys, type Person } from '../domain/identity.ts';
import type { Policy, RoleDef } from '../domain/policy.ts';
import { checkNewRequest, requestableRoles } from '../domain/request-rules.ts';
import {
  HELP_OPTION,
  UsageError,
  formatLoadFailure,
  formatWarning,
  loadForCommand,
  parseCommandArgs as parse,
  personFromArg,
  plural,
  policyPathFor,
  type PolicyCommandIo,
} from './policy-shared.ts';
import { TEST_HELP, TEST_USAGE } from './policy-test-usage.ts';
// What only some subcommands or options need (the JSON Schema, table-driven tests, live grants, the targets'
// providers) is imported when used: a one-shot `policy check` pays for the policy's loading only.

export { personFromArg, type PolicyCommandIo };

const USAGE = {
  policy:
    'usage: accessbot policy check [FILE] [--require-env] [--db FILE|URL | --live-grants] | policy schema | ' +
    'policy explain --user EMAIL --role ROLE [--duration D] [--ticket ID] [--file FILE] | policy test CASES.yaml [--policy FILE] [--format text|json]',
  check: 'usage: accessbot policy check [FILE] [--require-env] [--db FILE|URL | --live-grants] [--targets]',
  schema: 'usage: accessbot policy schema',
  explain: 'usage: accessbot policy explain --user EMAIL --role ROLE [--duration D] [--ticket ID] [--file FILE]',
  test: TEST_USAGE,
};

const HELP = {
  policy: `${USAGE.policy}

  check [FILE]   validate a policy file (default: $ACCESSBOT_POLICY, ./accessbot.yaml, else the bundled example)
  schema         print the policy's JSON Schema (for editors and linters)
  explain        dry run: may this person request this role, is it auto-approved, who must approve
  test CASES     run table-driven expectations against the policy (for CI)

Run "accessbot policy COMMAND --help" for details.`,
  check: `${USAGE.check}

Validates the policy: YAML syntax, every field, env: values, provider settings and grants, groups (unknown
names, cycles) and whether every requester can actually be approved. Every problem of every stage is reported
in one run, each with its path and line.

Secrets are not needed: an env:NAME whose variable is not set is a warning (its value goes unchecked), so CI
can check a policy change. The bot itself refuses to start without it.
  --require-env    treat an unset env: variable (without a :-default) as a problem, as "serve" does
  --db FILE|URL    also warn about live grants in this store (SQLite file or postgres:// URL) whose role or
                   resource this policy removes or moves; read only
  --live-grants    the same, with the store "serve" uses (DATABASE_URL, else ACCESSBOT_DB)
  --targets        also ask each target, read only, whether it would accept every role's grant today (for
                   PostgreSQL: the roles exist and none lets the holder keep access after the revoke); needs
                   the targets' secrets. An unreachable target is a warning.
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
  test: TEST_HELP,
};

export async function runPolicyCommand(args: string[], io: PolicyCommandIo): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'check':
        return await runCheck(rest, io);
      case 'schema':
        return await runSchema(rest, io);
      case 'explain':
        return runExplain(rest, io);
      case 'test':
        return await (await import('./policy-test.ts')).runPolicyTest(rest, io);
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

const CHECK_OPTIONS = {
  ...HELP_OPTION,
  'require-env': { type: 'boolean' },
  db: { type: 'string' },
  'live-grants': { type: 'boolean' },
  targets: { type: 'boolean' },
} as const;
const EXPLAIN_OPTIONS = {
  ...HELP_OPTION,
  user: { type: 'string' },
  role: { type: 'string' },
  duration: { type: 'string' },
  ticket: { type: 'string' },
  file: { type: 'string' },
} as const;

async function runCheck(args: string[], io: PolicyCommandIo): Promise<number> {
  const { values, positionals } = parse(args, USAGE.check, CHECK_OPTIONS, 1);
  if (values.help) {
    io.out(HELP.check);
    return 0;
  }
  if (typeof values.db === 'string' && values['live-grants']) throw new UsageError(`give either --db or --live-grants, not both\n${USAGE.check}`);
  const requireEnv = values['require-env'] === true;
  const path = policyPathFor(positionals[0], io);
  const result = loadForCommand(path, io, requireEnv);
  if (!result.ok) {
    io.err(formatLoadFailure(result, path));
    return 1;
  }
  const { policy } = result;
  io.out(
    `✓ policy OK: ${plural(Object.keys(policy.roles).length, 'role')}, ${plural(Object.keys(policy.resources).length, 'resource')}, ${plural(policy.groups.size, 'group')}`,
  );
  io.out(`  file: ${path}`);
  for (const warning of result.warningProblems) io.out(`  ${formatWarning(warning)}`);
  if (result.missingEnv.length > 0) {
    const them = result.missingEnv.length === 1 ? 'it' : 'them';
    io.out(`  not set here: ${result.missingEnv.join(', ')} — "serve" needs ${them} (--require-env makes this check fail without ${them})`);
  }

  if (values.targets === true && !(await reportTargets(policy, io))) return 1;

  if (typeof values.db !== 'string' && !values['live-grants']) return 0;
  const { configuredStoreTarget, storeTargetFrom, strandedGrantsIn } = await import('./policy-live-grants.ts');
  const cwd = io.cwd ?? process.cwd();
  const target = typeof values.db === 'string' ? storeTargetFrom(values.db, cwd) : values['live-grants'] ? configuredStoreTarget(io.env, cwd) : null;
  if (!target) return 0;
  if ('error' in target) {
    io.err(`✗ live grants not checked: ${target.error}`);
    return 1;
  }
  let stranded: string[];
  try {
    // Kept policies are read as this check reads the file (same providers; env: values not required).
    stranded = await strandedGrantsIn(target, policy, (source) => {
      const kept = loadPolicyText(source.text, { env: io.env, providers: io.providers, requireEnv: false }, source.hash);
      return kept.ok ? kept.policy : null;
    });
  } catch (error) {
    io.err(`✗ live grants not checked: cannot read ${target.label}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  io.out(stranded.length === 0 ? `  live grants: none affected (${target.label})` : `  live grants affected by this policy (${target.label}):`);
  for (const line of stranded) io.out(`  ⚠ ${line}`);
  return 0;
}

/** `--targets`: print what each target would refuse; false when one refuses something. */
async function reportTargets(policy: Policy, io: PolicyCommandIo): Promise<boolean> {
  const [{ checkGrantsAtTargets }, { closeProviders, providersForPolicy }] = await Promise.all([import('../app/check-targets.ts'), import('../providers/registry.ts')]);
  const providers = providersForPolicy(policy, { log: { info: () => {}, warn: () => {} }, env: io.env });
  try {
    const findings = await checkGrantsAtTargets(policy, providers);
    let ok = true;
    for (const finding of findings) {
      if (finding.unreachable) io.out(`  ⚠ roles.${finding.role}: target ${finding.resource} not checked: ${finding.unreachable}`);
      for (const problem of finding.problems) {
        io.err(`✗ roles.${finding.role}.grant: ${problem}`);
        ok = false;
      }
    }
    if (ok) io.out(`  targets: ${findings.length === 0 ? 'no target can be asked ahead of a grant' : 'every checked grant would be accepted'}`);
    return ok;
  } finally {
    await closeProviders(providers);
  }
}

async function runSchema(args: string[], io: PolicyCommandIo): Promise<number> {
  const { values } = parse(args, USAGE.schema, HELP_OPTION, 0);
  if (values.help) {
    io.out(HELP.schema);
    return 0;
  }
  const { policyJsonSchema } = await import('../config/policy-json-schema.ts');
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

  const path = policyPathFor(typeof values.file === 'string' ? values.file : undefined, io);
  const result = loadForCommand(path, io);
  if (!result.ok) {
    io.err(formatLoadFailure(result, path));
    return 1;
  }
  const lines = explain(result.policy, { person, label: user, roleName, durationMs, ticket });
  io.out(lines.text.join('\n'));
  return lines.allowed ? 0 : 1;
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
  text.push(...explainActions(role, label));
  return text;
}
