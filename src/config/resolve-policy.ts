/**
 * From the schema-checked file to the core's Policy: reads env: values, validates resources and grants with
 * their provider's schemas, expands groups, converts durations and checks the rules that relate fields.
 *
 * It also runs on what could be salvaged of a file the schema rejected (salvage-policy.ts), so every stage's
 * problems are reported in one go: a rule is skipped only when a field it needs was itself rejected.
 */
import { formatDuration, parseDuration } from '../domain/duration.ts';
import { actionProblems, resolveActions } from './resolve-actions.ts';
import { byName, type Member, type Policy, type ResourceDef, type RoleDef } from '../domain/policy.ts';
import type { ProviderFactory } from '../providers/types.ts';
import { didYouMean } from './did-you-mean.ts';
import { isWithin, readEnvRefs } from './env-refs.ts';
import { resolveLimits } from './limits-schema.ts';
import { nameProblem } from './policy-schema.ts';
import { formatPath, parseWith, type Finding } from './problems.ts';
import { GroupResolver } from './resolve-groups.ts';
import { resolveWaiting } from './resolve-waiting.ts';
import type { SalvagedPolicy, SalvagedResource, SalvagedRole } from './salvage-policy.ts';

const HOUR_MS = 3_600_000;
const RESERVED_ROLE_NAMES = new Set(['help']);

export interface ResolveOptions {
  env: Readonly<Record<string, string | undefined>>;
  providers: Readonly<Record<string, ProviderFactory>>;
  /** Default true: an unset env: variable without a default is an error. False: a warning (checks, CI). */
  requireEnv?: boolean;
}

export interface Resolution {
  /** Null when there is any error, or when the schema rejected part of the file. The loader adds the file's hash. */
  policy: Omit<Policy, 'hash'> | null;
  errors: Finding[];
  warnings: Finding[];
  /** Variables referenced as env:NAME (no default) that are not set, in file order, each once. */
  missingEnv: string[];
}

/** Durations were checked by the schema, so parsing cannot fail here. */
const ms = (text: string): number => parseDuration(text) ?? 0;

export function resolvePolicy(raw: SalvagedPolicy, opts: ResolveOptions): Resolution {
  const errors: Finding[] = [];
  const warnings: Finding[] = [];
  const missingEnv = new Set<string>();
  const minDurationMs = raw.min_duration === undefined ? undefined : ms(raw.min_duration);

  const groupResolver = new GroupResolver(raw.groups ?? {}, { incomplete: raw.incompleteGroups, unknownSection: raw.groups === undefined });
  const groups = groupResolver.all();

  // zod leaves a "__proto__" key out of a record without a word: refuse it here as the schema refuses any bad name.
  for (const [section, what] of [['groups', 'group'], ['resources', 'resource'], ['roles', 'role']] as const) {
    if (Object.hasOwn(raw[section] ?? {}, '__proto__')) errors.push({ at: [section, '__proto__'], message: nameProblem(what, '__proto__') });
  }

  // Without a prototype, so a name looked up that the policy does not define is never Object.prototype's.
  const resources = byName<ResourceDef>();
  for (const [name, entry] of Object.entries(raw.resources ?? {})) {
    const resource = resolveResource(name, entry, opts, { errors, warnings, missingEnv });
    if (resource) resources[name] = resource;
  }

  const roles = byName<RoleDef>();
  for (const [name, role] of Object.entries(raw.roles ?? {})) {
    const resolved = resolveRole(name, role, { raw, opts, minDurationMs, groupResolver, errors, warnings });
    if (resolved) roles[name] = resolved;
  }
  errors.push(...groupResolver.errors);

  // "Unused" is only known when every role's resource could be read.
  const rawRoles = Object.values(raw.roles ?? {});
  if (raw.roles && rawRoles.every((role) => !role.tainted.has('resource'))) {
    for (const name of Object.keys(raw.resources ?? {})) {
      if (!rawRoles.some((role) => role.resource === name)) warnings.push({ at: ['resources', name], message: 'no role uses this resource' });
    }
  }
  if (raw.digest && raw.channels && !raw.channels.audit) {
    warnings.push({ at: ['digest'], message: 'a digest schedule is set but channels.audit is not, so the digest is never posted' });
  }

  const missing = [...missingEnv];
  if (errors.length > 0 || !raw.complete) return { policy: null, errors, warnings, missingEnv: missing };
  const channels = raw.channels ?? {};
  return {
    policy: {
      version: 1,
      // The zone's canonical name. Without one (the schema's default is 'UTC') it is UTC as written: the first Intl
      // time-zone lookup loads ICU's zone data (~15 ms, and several MB of resident memory for a bot that never shows
      // a zoned time), a share of a one-shot `policy check` that most policies (no timezone) need not pay.
      timezone: raw.timezone === undefined || raw.timezone === 'UTC' ? 'UTC' : new Intl.DateTimeFormat('en', { timeZone: raw.timezone }).resolvedOptions().timeZone,
      minDurationMs: minDurationMs ?? 0,
      channels: { ...(channels.approvals && { approvals: channels.approvals }), ...(channels.audit && { audit: channels.audit }) },
      ...(raw.digest && { digest: { schedule: raw.digest.schedule } }),
      limits: resolveLimits(raw.limits),
      groups,
      resources,
      roles,
    },
    errors,
    warnings,
    missingEnv: missing,
  };
}

function resolveResource(
  name: string,
  entry: SalvagedResource,
  opts: ResolveOptions,
  out: { errors: Finding[]; warnings: Finding[]; missingEnv: Set<string> },
): ResourceDef | null {
  const { errors, warnings } = out;
  const at = ['resources', name];
  const kind = entry.provider;
  if (kind === undefined) return null; // missing or not text: the schema said so
  const factory = Object.hasOwn(opts.providers, kind) ? opts.providers[kind] : undefined;
  if (!factory) {
    const known = Object.keys(opts.providers);
    errors.push({
      at: [...at, 'provider'],
      message: `unknown provider "${kind}"${didYouMean(kind, known)}; known providers: ${known.join(', ') || 'none'}`,
    });
    return null;
  }
  const read = readEnvRefs(entry.settings, at, opts.env, { requireEnv: opts.requireEnv ?? true });
  errors.push(...read.errors);
  warnings.push(...read.warnings);
  for (const variable of read.unresolved.values()) out.missingEnv.add(variable);
  if (read.errors.length > 0) return null;
  const parsed = parseWith(factory.resourceSchema, read.value, at, { quiet: true });
  if (!parsed.ok) {
    // A value whose variable is not set cannot be checked: its findings say nothing about the policy.
    const unresolved = [...read.unresolved.keys()];
    const findings = parsed.findings.filter((finding) => !unresolved.some((path) => isWithin(formatPath(finding.at), path)));
    for (const finding of findings) {
      const variable = read.sources.get(formatPath(finding.at));
      errors.push(variable ? { ...finding, message: `${finding.message} (value of environment variable ${variable}, not shown)` } : finding);
    }
    if (findings.length > 0) return null;
    // Only unresolved values failed: keep the settings as written (never used to reach a target).
    return { name, provider: kind, settings: read.value as Record<string, unknown> };
  }
  return { name, provider: kind, settings: parsed.value };
}

interface RoleContext {
  raw: SalvagedPolicy;
  opts: ResolveOptions;
  /** Undefined when min_duration itself was rejected. */
  minDurationMs: number | undefined;
  groupResolver: GroupResolver;
  errors: Finding[];
  warnings: Finding[];
}

function resolveRole(name: string, role: SalvagedRole, ctx: RoleContext): RoleDef | null {
  const { raw, opts, minDurationMs, errors, warnings } = ctx;
  const at = ['roles', name];
  const before = errors.length;
  const fail = (field: string | string[], message: string) => errors.push({ at: [...at, ...[field].flat()], message });
  const show = formatDuration;
  const tainted = role.tainted;

  if (RESERVED_ROLE_NAMES.has(name)) fail([], `"${name}" is reserved for "/request-access ${name}"; pick another role name`);

  let grant: Record<string, unknown> = role.grant ?? {};
  if (role.resource !== undefined && raw.resources) {
    if (!Object.hasOwn(raw.resources, role.resource)) {
      const known = Object.keys(raw.resources);
      fail('resource', `unknown resource "${role.resource}"${didYouMean(role.resource, known) || ` (resources: ${known.join(', ') || 'none'})`}`);
    } else {
      const kind = raw.resources[role.resource]!.provider;
      const factory = kind !== undefined && Object.hasOwn(opts.providers, kind) ? opts.providers[kind] : undefined;
      if (factory && role.grant !== undefined) {
        const parsed = parseWith(factory.grantSchema, role.grant, [...at, 'grant']);
        if (parsed.ok) grant = parsed.value;
        else errors.push(...parsed.findings);
      }
    }
  }

  // Each rule runs only when every duration it compares could be read.
  const maxDurationMs = role.max_duration === undefined ? undefined : ms(role.max_duration);
  const min = minDurationMs;
  let defaultDurationMs: number | undefined;
  if (role.default_duration !== undefined) defaultDurationMs = ms(role.default_duration);
  else if (!tainted.has('default_duration') && maxDurationMs !== undefined && min !== undefined) defaultDurationMs = Math.min(Math.max(HOUR_MS, min), maxDurationMs);
  if (maxDurationMs !== undefined && min !== undefined && maxDurationMs < min) {
    fail('max_duration', `${show(maxDurationMs)} is shorter than min_duration (${show(min)}), so no request could ever be filed`);
  }
  if (defaultDurationMs !== undefined && maxDurationMs !== undefined && defaultDurationMs > maxDurationMs) {
    fail('default_duration', `${show(defaultDurationMs)} is longer than max_duration (${show(maxDurationMs)})`);
  } else if (role.default_duration !== undefined && defaultDurationMs !== undefined && min !== undefined && defaultDurationMs < min) {
    fail('default_duration', `${show(defaultDurationMs)} is shorter than min_duration (${show(min)})`);
  }

  let autoApprove: RoleDef['autoApprove'];
  if (role.auto_approve) {
    const autoMs = ms(role.auto_approve.max_duration);
    autoApprove = { maxDurationMs: autoMs };
    if (maxDurationMs !== undefined && autoMs > maxDurationMs) {
      fail(['auto_approve', 'max_duration'], `${show(autoMs)} is longer than the role's max_duration (${show(maxDurationMs)})`);
    } else if (min !== undefined && autoMs < min) {
      warnings.push({ at: [...at, 'auto_approve', 'max_duration'], message: `${show(autoMs)} is shorter than min_duration (${show(min)}), so nothing is ever auto-approved` });
    }
  }

  for (const problem of actionProblems(role.actions ?? {}, raw.resources)) fail(['actions', ...problem.at], problem.message);

  const requesters = ctx.groupResolver.expand(role.requesters ?? [], [...at, 'requesters']);
  const groupErrorsBefore = ctx.groupResolver.errors.length;
  const approvers = ctx.groupResolver.expand(role.approvers ?? [], [...at, 'approvers']);
  const requestersKnown = requesters.complete && !tainted.has('requesters');
  const approversKnown = approvers.complete && !tainted.has('approvers');
  if (requestersKnown && requesters.members.size === 0) {
    warnings.push({ at: [...at, 'requesters'], message: 'nobody can request this role (the list is empty once groups are expanded)' });
  }
  // The count means something only with the approvers and the number read in full (a partial requester list
  // can only leave out a requester who could never be approved, never invent one).
  if (approversKnown && role.approvals_required !== undefined && ctx.groupResolver.errors.length === groupErrorsBefore) {
    checkApprovals(role.approvals_required, requesters.members, approvers.members, (message) => fail(approvers.members.size === 0 ? 'approvers' : 'approvals_required', message));
  }

  const waiting = resolveWaiting(role, {
    defaults: raw.defaults,
    at,
    requestTtlMs: role.request_ttl === undefined ? undefined : ms(role.request_ttl),
    groupResolver: ctx.groupResolver,
    env: opts.env,
    requireEnv: opts.requireEnv ?? true,
    errors,
    warnings,
  });

  if (errors.length > before || !requesters.complete || !approvers.complete || ctx.groupResolver.errors.length > groupErrorsBefore || tainted.size > 0) return null;
  if (role.resource === undefined || maxDurationMs === undefined || defaultDurationMs === undefined || role.request_ttl === undefined) return null;
  return {
    name,
    ...(role.description !== undefined && { description: role.description }),
    resource: role.resource,
    grant,
    requesters: requesters.members,
    approvers: approvers.members,
    approvalsRequired: role.approvals_required ?? 1,
    defaultDurationMs,
    maxDurationMs,
    requestTtlMs: ms(role.request_ttl),
    ...(autoApprove && { autoApprove }),
    requireTicket: role.require_ticket === false || role.require_ticket === undefined ? null : role.require_ticket === true ? '' : role.require_ticket,
    breakGlass: role.break_glass ?? false,
    ...(role.channels?.approvals && { approvalsChannel: role.channels.approvals }),
    ...(waiting && { waiting }),
    ...(role.actions && { actions: resolveActions(role.actions) }),
  };
}

/**
 * Every requester must be approvable: enough distinct approvers besides themselves. Members are counted as
 * written, so one person listed by email and by Slack id counts twice — list people one way per role.
 */
function checkApprovals(required: number, requesters: ReadonlySet<Member>, approvers: ReadonlySet<Member>, fail: (message: string) => void): void {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (approvers.size === 0) {
    fail('nobody can approve this role (the list is empty once groups are expanded)');
    return;
  }
  if (required > approvers.size) {
    fail(`${plural(required, 'approval')} required but only ${plural(approvers.size, 'approver')} (${[...approvers].join(', ')}), so no request could ever be approved`);
    return;
  }
  if (required === approvers.size) {
    const stuck = [...requesters].filter((member) => approvers.has(member));
    if (stuck.length > 0) {
      const names = stuck.length > 3 ? `${stuck.slice(0, 3).join(', ')} and ${stuck.length - 3} more` : stuck.join(', ');
      fail(
        `${plural(required, 'approval')} required but only ${plural(approvers.size, 'approver')}, and ${names} ` +
          `${stuck.length === 1 ? 'is' : 'are'} also ${stuck.length === 1 ? 'a requester' : 'requesters'}: nobody approves their own request, ` +
          `so ${stuck.length === 1 ? 'that requester' : 'those requesters'} could never be approved (add approvers or lower approvals_required)`,
      );
    }
  }
}
