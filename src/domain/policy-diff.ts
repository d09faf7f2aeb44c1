/**
 * What a new policy changes, for people: roles, approvers, requesters and limits added, removed or changed, in
 * the words of the policy file (max_duration, approvals_required …). Resource settings are compared but never
 * shown: they hold connection strings and secrets read from env: values.
 */
import { formatDuration } from './duration.ts';
import type { ChannelRefs, Member, Policy, ResourceDef, RoleDef } from './policy.ts';
import { waitingChanges } from './waiting.ts';

export interface PolicyChanges {
  rolesAdded: string[];
  rolesRemoved: string[];
  /** Roles in both whose rules differ. */
  rolesChanged: string[];
  resourcesAdded: string[];
  resourcesRemoved: string[];
  /** Resources in both whose provider or settings differ (their providers are created anew). */
  resourcesChanged: string[];
  /** One line per change, in policy order: the top-level settings, resources, then roles. Empty: nothing in effect changed. */
  lines: string[];
}

/** Members named in one line before "and N more". */
const MEMBERS_SHOWN = 5;

export function diffPolicies(before: Policy, after: Policy): PolicyChanges {
  const lines: string[] = [];
  lines.push(...settingChanges(before, after));

  const resources = diffNames(before.resources, after.resources);
  const resourcesChanged = resources.kept.filter((name) => !sameResource(before.resources[name]!, after.resources[name]!));
  for (const name of resources.added) lines.push(`resource ${name} added (${after.resources[name]!.provider})`);
  for (const name of resources.removed) lines.push(`resource ${name} removed (its provider stays until restart, for revoking live grants)`);
  for (const name of resourcesChanged) {
    const was = before.resources[name]!;
    const now = after.resources[name]!;
    lines.push(was.provider === now.provider ? `resource ${name}: settings changed` : `resource ${name}: provider ${was.provider} → ${now.provider}`);
  }

  const roles = diffNames(before.roles, after.roles);
  const rolesChanged: string[] = [];
  for (const name of roles.added) lines.push(`role ${name} added: ${describeRole(after.roles[name]!)}`);
  for (const name of roles.removed) lines.push(`role ${name} removed`);
  for (const name of roles.kept) {
    const changes = roleChanges(before.roles[name]!, after.roles[name]!);
    if (changes.length === 0) continue;
    rolesChanged.push(name);
    lines.push(`role ${name}: ${changes.join('; ')}`);
  }
  return { rolesAdded: roles.added, rolesRemoved: roles.removed, rolesChanged, resourcesAdded: resources.added, resourcesRemoved: resources.removed, resourcesChanged, lines };
}

function diffNames(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): { added: string[]; removed: string[]; kept: string[] } {
  const was = Object.keys(before);
  const now = Object.keys(after);
  return {
    added: now.filter((name) => !Object.hasOwn(before, name)),
    removed: was.filter((name) => !Object.hasOwn(after, name)),
    kept: now.filter((name) => Object.hasOwn(before, name)),
  };
}

function settingChanges(before: Policy, after: Policy): string[] {
  const lines: string[] = [];
  if (before.minDurationMs !== after.minDurationMs) lines.push(`min_duration ${duration(before.minDurationMs)} → ${duration(after.minDurationMs)}`);
  if (before.timezone !== after.timezone) lines.push(`timezone ${before.timezone} → ${after.timezone} (the digest's schedule follows at the next restart)`);
  for (const which of ['approvals', 'audit'] as const) {
    const change = channelChange(before.channels[which], after.channels[which]);
    if (change) lines.push(`channels.${which} ${change}`);
  }
  const digestWas = before.digest?.schedule ?? null;
  const digestNow = after.digest?.schedule ?? null;
  if (digestWas !== digestNow) lines.push(`digest.schedule ${digestWas ?? 'none'} → ${digestNow ?? 'none'} (takes effect at the next restart)`);
  const limits = limitsText(before.limits);
  if (limits !== limitsText(after.limits)) lines.push(`limits ${limits} → ${limitsText(after.limits)}`);
  return lines;
}

function limitsText(limits: Policy['limits']): string {
  if (!limits) return 'none';
  return `burst ${limits.burst}, refill_every ${duration(limits.refillEveryMs)}, max_open_requests ${limits.maxOpenRequests}, break_glass_burst ${limits.breakGlassBurst}`;
}

function roleChanges(was: RoleDef, now: RoleDef): string[] {
  const changes: string[] = [];
  const compare = (field: string, a: string, b: string) => {
    if (a !== b) changes.push(`${field} ${a} → ${b}`);
  };
  compare('resource', was.resource, now.resource);
  for (const field of ['requesters', 'approvers'] as const) {
    const change = memberChange(was[field], now[field]);
    if (change) changes.push(`${field} ${change}`);
  }
  compare('approvals_required', String(was.approvalsRequired), String(now.approvalsRequired));
  compare('default_duration', duration(was.defaultDurationMs), duration(now.defaultDurationMs));
  compare('max_duration', duration(was.maxDurationMs), duration(now.maxDurationMs));
  compare('request_ttl', duration(was.requestTtlMs), duration(now.requestTtlMs));
  compare('auto_approve', autoApprove(was), autoApprove(now));
  compare('require_ticket', ticket(was.requireTicket), ticket(now.requireTicket));
  compare('break_glass', String(was.breakGlass), String(now.breakGlass));
  if (!sameValue(was.grant, now.grant)) changes.push('grant parameters changed');
  const channel = channelChange(was.approvalsChannel, now.approvalsChannel);
  if (channel) changes.push(`channels.approvals ${channel}`);
  if ((was.description ?? '') !== (now.description ?? '')) changes.push('description changed');
  changes.push(...waitingChanges(was.waiting, now.waiting));
  return changes;
}

function describeRole(role: RoleDef): string {
  const parts = [
    `on ${role.resource}`,
    `max_duration ${duration(role.maxDurationMs)}`,
    role.breakGlass ? 'break-glass' : `${role.approvalsRequired} approval(s) from ${members([...role.approvers])}`,
    ...(role.autoApprove ? [`auto-approved up to ${duration(role.autoApprove.maxDurationMs)}`] : []),
    `requesters ${members([...role.requesters])}`,
  ];
  return parts.join(', ');
}

function memberChange(was: ReadonlySet<Member>, now: ReadonlySet<Member>): string | null {
  const added = [...now].filter((m) => !was.has(m));
  const removed = [...was].filter((m) => !now.has(m));
  if (added.length === 0 && removed.length === 0) return null;
  return [...(added.length ? [members(added, '+')] : []), ...(removed.length ? [members(removed, '−')] : [])].join(' ');
}

function members(list: Member[], sign = ''): string {
  if (list.length === 0) return 'nobody';
  const shown = list.slice(0, MEMBERS_SHOWN).map((m) => `${sign}${m}`).join(', ');
  return list.length > MEMBERS_SHOWN ? `${shown} and ${list.length - MEMBERS_SHOWN} more` : shown;
}

function channelChange(was: ChannelRefs | undefined, now: ChannelRefs | undefined): string | null {
  const show = (refs: ChannelRefs | undefined) => {
    const entries = Object.entries(refs ?? {}).filter(([, id]) => Boolean(id));
    return entries.length ? entries.map(([platform, id]) => `${platform} ${id}`).join(', ') : 'none';
  };
  return show(was) === show(now) ? null : `${show(was)} → ${show(now)}`;
}

const duration = formatDuration;
const autoApprove = (role: RoleDef): string => (role.autoApprove ? `up to ${duration(role.autoApprove.maxDurationMs)}` : 'off');
const ticket = (rule: string | null): string => (rule === null ? 'no' : rule === '' ? 'any' : `/${rule}/`);

function sameResource(a: ResourceDef, b: ResourceDef): boolean {
  return a.provider === b.provider && sameValue(a.settings, b.settings);
}

/** Deep equality of JSON-like values (key order ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
