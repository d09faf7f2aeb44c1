/**
 * From the schema-checked file to the core's Policy: reads env: values, validates resources and grants with
 * their provider's schemas, expands groups, converts durations and checks the rules that relate fields.
 */
import { formatDuration, parseDuration } from '../domain/duration.ts';
import type { Member, Policy, ResourceDef, RoleDef } from '../domain/policy.ts';
import type { ProviderFactory } from '../providers/types.ts';
import { didYouMean } from './did-you-mean.ts';
import { readEnvRefs } from './env-refs.ts';
import type { RawPolicy, RawRole } from './policy-schema.ts';
import { formatPath, parseWith, type Finding } from './problems.ts';
import { GroupResolver } from './resolve-groups.ts';

const HOUR_MS = 3_600_000;
const RESERVED_ROLE_NAMES = new Set(['help']);

export interface ResolveOptions {
  env: Readonly<Record<string, string | undefined>>;
  providers: Readonly<Record<string, ProviderFactory>>;
}

export interface Resolution {
  policy: Policy | null;
  errors: Finding[];
  warnings: Finding[];
}

/** Durations were checked by the schema, so parsing cannot fail here. */
const ms = (text: string): number => parseDuration(text) ?? 0;

export function resolvePolicy(raw: RawPolicy, opts: ResolveOptions): Resolution {
  const errors: Finding[] = [];
  const warnings: Finding[] = [];
  const minDurationMs = ms(raw.min_duration);

  const groupResolver = new GroupResolver(raw.groups);
  const groups = groupResolver.all();

  const resources: Record<string, ResourceDef> = {};
  for (const [name, entry] of Object.entries(raw.resources)) {
    const resource = resolveResource(name, entry, opts, errors, warnings);
    if (resource) resources[name] = resource;
  }

  const roles: Record<string, RoleDef> = {};
  for (const [name, role] of Object.entries(raw.roles)) {
    const resolved = resolveRole(name, role, { raw, opts, minDurationMs, groupResolver, errors, warnings });
    if (resolved) roles[name] = resolved;
  }
  errors.push(...groupResolver.errors);

  for (const name of Object.keys(raw.resources)) {
    if (!Object.values(raw.roles).some((role) => role.resource === name)) {
      warnings.push({ at: ['resources', name], message: 'no role uses this resource' });
    }
  }
  if (raw.digest && !raw.channels.audit) {
    warnings.push({ at: ['digest'], message: 'a digest schedule is set but channels.audit is not, so the digest is never posted' });
  }

  if (errors.length > 0) return { policy: null, errors, warnings };
  return {
    policy: {
      version: 1,
      timezone: new Intl.DateTimeFormat('en', { timeZone: raw.timezone }).resolvedOptions().timeZone,
      minDurationMs,
      channels: { ...(raw.channels.approvals && { approvals: raw.channels.approvals }), ...(raw.channels.audit && { audit: raw.channels.audit }) },
      ...(raw.digest && { digest: { schedule: raw.digest.schedule } }),
      groups,
      resources,
      roles,
    },
    errors,
    warnings,
  };
}

function resolveResource(
  name: string,
  entry: RawPolicy['resources'][string],
  opts: ResolveOptions,
  errors: Finding[],
  warnings: Finding[],
): ResourceDef | null {
  const at = ['resources', name];
  const { provider: kind, ...settings } = entry;
  const factory = Object.hasOwn(opts.providers, kind) ? opts.providers[kind] : undefined;
  if (!factory) {
    const known = Object.keys(opts.providers);
    errors.push({
      at: [...at, 'provider'],
      message: `unknown provider "${kind}"${didYouMean(kind, known)}; known providers: ${known.join(', ') || 'none'}`,
    });
    return null;
  }
  const read = readEnvRefs(settings, at, opts.env);
  errors.push(...read.errors);
  warnings.push(...read.warnings);
  if (read.errors.length > 0) return null;
  const parsed = parseWith(factory.resourceSchema, read.value, at, { quiet: true });
  if (!parsed.ok) {
    for (const finding of parsed.findings) {
      const variable = read.sources.get(formatPath(finding.at));
      errors.push(variable ? { ...finding, message: `${finding.message} (value of environment variable ${variable}, not shown)` } : finding);
    }
    return null;
  }
  return { name, provider: kind, settings: parsed.value };
}

interface RoleContext {
  raw: RawPolicy;
  opts: ResolveOptions;
  minDurationMs: number;
  groupResolver: GroupResolver;
  errors: Finding[];
  warnings: Finding[];
}

function resolveRole(name: string, role: RawRole, ctx: RoleContext): RoleDef | null {
  const { raw, opts, minDurationMs, errors, warnings } = ctx;
  const at = ['roles', name];
  const before = errors.length;
  const fail = (field: string | string[], message: string) => errors.push({ at: [...at, ...[field].flat()], message });
  const show = formatDuration;

  if (RESERVED_ROLE_NAMES.has(name)) fail([], `"${name}" is reserved for "/request-access ${name}"; pick another role name`);

  let grant: Record<string, unknown> = role.grant;
  if (!Object.hasOwn(raw.resources, role.resource)) {
    const known = Object.keys(raw.resources);
    fail('resource', `unknown resource "${role.resource}"${didYouMean(role.resource, known) || ` (resources: ${known.join(', ') || 'none'})`}`);
  } else {
    const factory = opts.providers[raw.resources[role.resource]!.provider];
    if (factory) {
      const parsed = parseWith(factory.grantSchema, role.grant, [...at, 'grant']);
      if (parsed.ok) grant = parsed.value;
      else errors.push(...parsed.findings);
    }
  }

  const maxDurationMs = ms(role.max_duration);
  const defaultDurationMs = role.default_duration === undefined ? Math.min(Math.max(HOUR_MS, minDurationMs), maxDurationMs) : ms(role.default_duration);
  if (maxDurationMs < minDurationMs) fail('max_duration', `${show(maxDurationMs)} is shorter than min_duration (${show(minDurationMs)}), so no request could ever be filed`);
  if (defaultDurationMs > maxDurationMs) fail('default_duration', `${show(defaultDurationMs)} is longer than max_duration (${show(maxDurationMs)})`);
  else if (role.default_duration !== undefined && defaultDurationMs < minDurationMs) fail('default_duration', `${show(defaultDurationMs)} is shorter than min_duration (${show(minDurationMs)})`);

  let autoApprove: RoleDef['autoApprove'];
  if (role.auto_approve) {
    const autoMs = ms(role.auto_approve.max_duration);
    autoApprove = { maxDurationMs: autoMs };
    if (autoMs > maxDurationMs) fail(['auto_approve', 'max_duration'], `${show(autoMs)} is longer than the role's max_duration (${show(maxDurationMs)})`);
    else if (autoMs < minDurationMs) {
      warnings.push({ at: [...at, 'auto_approve', 'max_duration'], message: `${show(autoMs)} is shorter than min_duration (${show(minDurationMs)}), so nothing is ever auto-approved` });
    }
  }

  const requesters = ctx.groupResolver.expand(role.requesters, [...at, 'requesters']);
  const groupErrorsBefore = ctx.groupResolver.errors.length;
  const approvers = ctx.groupResolver.expand(role.approvers, [...at, 'approvers']);
  if (requesters.size === 0) warnings.push({ at: [...at, 'requesters'], message: 'nobody can request this role (the list is empty once groups are expanded)' });
  // With an unknown group among the approvers the count means little; that error is reported already.
  if (ctx.groupResolver.errors.length === groupErrorsBefore) checkApprovals(role.approvals_required, requesters, approvers, (message) => fail(approvers.size === 0 ? 'approvers' : 'approvals_required', message));

  if (errors.length > before || ctx.groupResolver.errors.length > groupErrorsBefore) return null;
  return {
    name,
    ...(role.description !== undefined && { description: role.description }),
    resource: role.resource,
    grant,
    requesters,
    approvers,
    approvalsRequired: role.approvals_required,
    defaultDurationMs,
    maxDurationMs,
    requestTtlMs: ms(role.request_ttl),
    ...(autoApprove && { autoApprove }),
    requireTicket: role.require_ticket === false ? null : role.require_ticket === true ? '' : role.require_ticket,
    breakGlass: role.break_glass,
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
