/** What every use case needs, built once by the composition root (src/main.ts) or a test. */
import type { Store } from '../../db/store/port.ts';
import { systemClock, type Clock } from '../domain/clock.ts';
import type { Policy, RoleDef } from '../domain/policy.ts';
import type { Provider } from '../providers/types.ts';
import type { Logger } from '../logging.ts';
import type { PolicyFault } from './policy-fault.ts';

/**
 * Work to start once a transaction has committed. One per process, composed once by its composition root
 * (src/main.ts: the worker, then the scheduler's timer re-arm) and never rewired afterwards.
 */
export interface AfterCommit {
  grantChanged(grantId: string): void;
  noticesQueued(): void;
}

const noAfterCommit: AfterCommit = { grantChanged: () => {}, noticesQueued: () => {} };

export interface AppContext {
  store: Store;
  /**
   * The policy in force. A reload (src/app/reload-policy.ts) replaces it, and `providers`, by assignment: a use
   * case reads it once (`const policy = ctx.policy`), so one decision is taken, and recorded, under one policy.
   */
  policy: Policy;
  clock: Clock;
  log: Logger;
  /** Provider per resource name (a reload adds and replaces entries, never drops one: live grants need it). */
  providers: ReadonlyMap<string, Provider>;
  /** Chat platforms that get notices (one outbox row per platform). */
  platforms: readonly string[];
  /** Key that seals credentials at rest; null when none is configured. */
  secretKey: Buffer | null;
  /**
   * The environment the process was configured with (ProviderDeps.env for the providers): runbook actions take
   * PATH from it, never from process.env directly, so a test or an embedding decides what a child sees.
   */
  env: Readonly<Record<string, string | undefined>>;
  /** Identifies this process in leases. */
  instanceId: string;
  afterCommit: AfterCommit;
  /** Retry policy, overridable in tests. */
  retry: RetryPolicy;
  random: () => number;
  /** Set while the bot runs on the last good policy because the file is invalid (src/app/policy-fault.ts). */
  policyFault?: PolicyFault | null;
  /** Roles gone from the policy that live grants still hold, as last defined (src/app/last-good-policy.ts). */
  formerRoles?: Readonly<Record<string, RoleDef>>;
}

export interface RetryPolicy {
  grantMaxAttempts: number;
  grantBaseMs: number;
  revokeBaseMs: number;
  revokeCapMs: number;
  /** Alert the audit channel after this many failed revoke attempts, then at most every `alertEveryMs`. */
  revokeAlertAfter: number;
  alertEveryMs: number;
  leaseMs: number;
  /** Deadline for one provider call (default 10 minutes); past it the attempt counts as a retryable failure. */
  callTimeoutMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  grantMaxAttempts: 5,
  grantBaseMs: 2_000,
  revokeBaseMs: 2_000,
  revokeCapMs: 5 * 60_000,
  revokeAlertAfter: 3,
  alertEveryMs: 60 * 60_000,
  leaseMs: 60_000,
};

/** DEFAULT_RETRY with the lease length the environment sets (ACCESSBOT_LEASE_SECONDS), when it sets one. */
export function retryWithLease(leaseMs: number | undefined): RetryPolicy {
  return leaseMs === undefined ? DEFAULT_RETRY : { ...DEFAULT_RETRY, leaseMs };
}

export type ContextParts = Pick<AppContext, 'store' | 'policy' | 'log' | 'providers' | 'instanceId'> &
  Partial<Omit<AppContext, 'store' | 'policy' | 'log' | 'providers' | 'instanceId'>>;

/** An AppContext with the production defaults (system clock, process.env, default retries, no chat platform) for what is not given. */
export function createContext(parts: ContextParts): AppContext {
  return { clock: systemClock, env: process.env, platforms: [], secretKey: null, afterCommit: noAfterCommit, retry: DEFAULT_RETRY, random: Math.random, ...parts };
}
