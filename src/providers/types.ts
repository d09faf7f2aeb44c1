/**
 * One interface for every grant target. Implementations must be idempotent by grant id: calling grant twice
 * (or revoke twice) for the same grant leaves the same end state and does not throw.
 */
import type { z } from 'zod';
import type { ActivityReport } from '../domain/activity.ts';

export interface GrantTarget {
  /** Random, globally unique grant id; the idempotency key at the target. */
  grantId: string;
  /** Display id of the request, e.g. "AR-42". */
  requestId: string;
  requester: { email: string | null; slackId: string | null; teamsId: string | null };
  role: string;
  resource: string;
  /** The role's `grant:` parameters, validated by the provider's grantSchema. */
  params: Record<string, unknown>;
  startsAt: Date;
  expiresAt: Date;
  approvedBy: string[];
  reason: string;
  ticket: string | null;
}

export interface GrantOutcome {
  /** Secrets to hand privately to the requester; stored only encrypted and deleted at revoke. */
  credentials?: Record<string, string>;
  /** Non-secret facts for the audit log (e.g. the database user created). */
  detail?: Record<string, unknown>;
}

export interface RevokeOutcome {
  detail?: Record<string, unknown>;
  /** What the holder did during the grant, as the target saw it (recorded as a `grant.activity` audit event). */
  activity?: ActivityReport;
}

export interface VerifyOutcome {
  /** Grant ids the target currently holds access for (e.g. from `accessbot_<id>` roles). */
  grantIds: string[];
}

export interface Provider {
  readonly kind: string;
  readonly resource: string;
  grant(target: GrantTarget): Promise<GrantOutcome>;
  revoke(target: GrantTarget): Promise<RevokeOutcome>;
  /** Move an active grant's expiry at the target; when absent the core calls grant again with the new expiry. */
  extend?(target: GrantTarget): Promise<GrantOutcome>;
  /** What the holder is doing now (sampled while the grant is active); absent when the target cannot say. */
  activity?(target: GrantTarget): Promise<ActivityReport>;
  /** What exists at the target, to find drift and orphans. */
  verify?(): Promise<VerifyOutcome>;
  /** Read-only: what the target would refuse about a role's grant parameters today (empty when nothing). */
  checkGrant?(params: Record<string, unknown>): Promise<string[]>;
  close?(): Promise<void>;
}

export interface ProviderDeps {
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  env: Readonly<Record<string, string | undefined>>;
}

export interface ProviderFactory<R = Record<string, unknown>, G = Record<string, unknown>> {
  readonly kind: string;
  /** Validates `resources.<name>` (without the `provider` key). `env:NAME` values are already read. */
  readonly resourceSchema: z.ZodType<R>;
  /** Validates a role's `grant:` parameters for a resource of this kind. */
  readonly grantSchema: z.ZodType<G>;
  create(resource: string, settings: R, deps: ProviderDeps): Provider;
}

/**
 * Thrown by providers. `retryable` errors (time-outs, 429, 5xx, connection refused) are retried with backoff;
 * others fail a grant at once. A revoke is retried whatever the error. Messages must never contain secrets.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
