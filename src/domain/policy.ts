/**
 * The policy as the core sees it: validated, with defaults applied, durations in milliseconds and every
 * group expanded to its members. Built from the YAML file by src/config/load-policy.ts.
 */
import type { RequestLimits } from './rate-limit.ts';
import type { WaitingRules } from './waiting.ts';

export type Platform = 'slack' | 'teams';

/** A policy member atom: a lower-cased email, `slack:U123` or `teams:<aad-object-id>`. */
export type Member = string;

export interface ChannelRefs {
  slack?: string;
  teams?: string;
}

export interface ResourceDef {
  name: string;
  provider: string;
  /** Provider-specific settings, already validated by the provider's schema and with `env:` values read. */
  settings: Record<string, unknown>;
}

export interface RoleDef {
  name: string;
  description?: string;
  resource: string;
  grant: Record<string, unknown>;
  /** Expanded members (groups resolved). */
  requesters: ReadonlySet<Member>;
  approvers: ReadonlySet<Member>;
  approvalsRequired: number;
  defaultDurationMs: number;
  maxDurationMs: number;
  requestTtlMs: number;
  autoApprove?: { maxDurationMs: number };
  /** null: no ticket needed; '' : any non-empty ticket; otherwise a regex source the ticket must match. */
  requireTicket: string | null;
  breakGlass: boolean;
  /** Where this role's approval cards go, overriding the policy's `channels.approvals` per platform. */
  approvalsChannel?: ChannelRefs;
  /** Reminders, escalation and the expedite hook for waiting requests (src/domain/waiting.ts); absent: none. */
  waiting?: WaitingRules;
  /** Runbook actions the holder of an active grant may run, by name (src/domain/actions.ts). */
  actions?: Readonly<Record<string, ActionDef>>;
}

/** A runbook action: a program and its arguments, run without a shell, or a signed call to a webhook resource. */
export interface ActionDef {
  name: string;
  description: string;
  /** Empty for a webhook action. */
  run: readonly string[];
  /** The webhook resource to call instead of running a program. */
  webhook?: string;
  timeoutMs: number;
  confirm: boolean;
}

export interface Policy {
  version: 1;
  /**
   * sha256 (hex) of the policy file's bytes, as `sha256sum` prints it: which policy a decision was taken under.
   * Set by the loader; a policy built in code (tests) names itself.
   */
  hash: string;
  timezone: string;
  minDurationMs: number;
  channels: { approvals?: ChannelRefs; audit?: ChannelRefs };
  digest?: { schedule: string };
  /**
   * Abuse limits on filing (src/domain/rate-limit.ts). The loader always sets them (DEFAULT_LIMITS for what the
   * file leaves out); only a policy built in code (a test) may leave them out, and then nothing is limited.
   */
  limits?: RequestLimits;
  groups: ReadonlyMap<string, ReadonlySet<Member>>;
  /** By name. The loader builds these without a prototype; look names up with resourceNamed / roleNamed. */
  resources: Readonly<Record<string, ResourceDef>>;
  roles: Readonly<Record<string, RoleDef>>;
}

/**
 * The role called `name`, or undefined. An own-property lookup: a name typed in chat or kept in a row
 * ("constructor", "toString", "__proto__") never reaches Object.prototype, whatever object holds the roles.
 */
export function roleNamed(policy: Pick<Policy, 'roles'>, name: string): RoleDef | undefined {
  return Object.hasOwn(policy.roles, name) ? policy.roles[name] : undefined;
}

/** The resource called `name`, or undefined (an own-property lookup, as roleNamed). */
export function resourceNamed(policy: Pick<Policy, 'resources'>, name: string): ResourceDef | undefined {
  return Object.hasOwn(policy.resources, name) ? policy.resources[name] : undefined;
}

/** An empty record keyed by name, without a prototype: no name ("constructor", "__proto__") means anything but its entry. */
export function byName<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
