/**
 * The policy as the core sees it: validated, with defaults applied, durations in milliseconds and every
 * group expanded to its members. Built from the YAML file by src/config/load-policy.ts.
 */
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
}

export interface Policy {
  version: 1;
  timezone: string;
  minDurationMs: number;
  channels: { approvals?: ChannelRefs; audit?: ChannelRefs };
  digest?: { schedule: string };
  groups: ReadonlyMap<string, ReadonlySet<Member>>;
  resources: Readonly<Record<string, ResourceDef>>;
  roles: Readonly<Record<string, RoleDef>>;
}
