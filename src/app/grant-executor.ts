/**
 * Applies grants and revokes at the target. A grant row is claimed with a lease (conditional update), the
 * provider is called outside any transaction, and the result is committed with a compare-and-set that still
 * requires our lease — so two replicas, a retry or a crash never apply a transition twice. Providers are
 * idempotent by grant id, so re-running a call after a crash is harmless.
 *
 * While a provider call is in flight the lease is renewed (heartbeat), so a slow target (a webhook retrying
 * for minutes) never lets a second replica claim the row and call the target at the same time. Each call has a
 * deadline: a target that never answers costs one failed attempt, not the revoke. A grant that lands at the
 * target after the row was revoked meanwhile (it lost a race, or landed after its deadline) is undone at once.
 */
import type { UnitOfWork } from '../../db/store/port.ts';
import type { GrantPatch } from '../../db/store/records.ts';
import { appendAudit } from '../audit/chain.ts';
import { backoffDelay } from '../domain/backoff.ts';
import { canTransition, isTerminalGrant, LIVE_GRANT_STATUSES, type GrantStatus } from '../domain/grant-rules.ts';
import { ProviderError, type GrantTarget, type Provider } from '../providers/types.ts';
import { sealCredentials } from '../providers/credential-seal.ts';
import type { AppContext } from './context.ts';
import { DeadlineExceeded, withDeadline } from './in-flight.ts';
import { grantRows, leasesOn } from './lease.ts';
import { enqueueNotice } from './outbox.ts';
import { grantTargetAndRequest, grantTargetFor } from './grant-target.ts';
import { finishRevokes } from './revoke-commit.ts';
import { groupCommitOf } from './group-commit.ts';
import { rolesOfLiveGrants } from './last-good-policy.ts';
import { grantById, type GrantRecord } from './records.ts';
import { requestRef } from '../domain/request-id.ts';
import type { ActivityReport } from '../domain/activity.ts';

/**
 * The longest one provider call may take before the attempt is given up (a backstop: providers time out on
 * their own first — PostgreSQL 30 s per statement, a webhook 5 × 10 s by default, a command 30 s).
 */
const DEFAULT_CALL_TIMEOUT_MS = 10 * 60_000;

function callTimeoutMs(ctx: AppContext): number {
  const value = ctx.retry.callTimeoutMs;
  return typeof value === 'number' && value > 0 ? value : DEFAULT_CALL_TIMEOUT_MS;
}

type Operation = 'grant' | 'revoke' | 'extend' | 'cleanup';

export type ProcessResult = 'active' | 'revoked' | 'failed' | 'retry' | 'busy' | 'idle' | 'again';

async function processGrant(ctx: AppContext, grantId: string): Promise<ProcessResult> {
  const now = ctx.clock.now();
  // Any grant with target work left (not ended), whose next attempt is due, that nobody else holds.
  const grant = await leases(ctx).claim(grantId, { status: LIVE_GRANT_STATUSES, dueBy: now }, now);
  if (!grant) return 'busy';
  return processHeld(ctx, grant);
}

/** The work due on a grant whose lease we hold; the lease is handed back at the end (in the commit, when there is one). */
async function processHeld(ctx: AppContext, grant: GrantRecord): Promise<ProcessResult> {
  try {
    if (grant.status === 'granting') return await applyGrant(ctx, grant);
    if (grant.status === 'revoking') return await applyRevoke(ctx, grant);
    if (grant.status === 'active' && grant.appliedExpiresAt !== grant.expiresAt) return await applyExtension(ctx, grant);
    return 'idle';
  } finally {
    if (!releasedInCommit.delete(grant)) await leases(ctx).releaseNow(grant.id);
  }
}

/**
 * Grants whose final transition handed the lease back in its own compare-and-set (one statement fewer per
 * grant), so `processHeld` has nothing left to release. Marked only once that transaction has committed.
 */
const releasedInCommit = new WeakSet<GrantRecord>();

/** Process until the grant settles for now (e.g. a grant that lost a race to a revoke is then revoked). */
export async function settleGrant(ctx: AppContext, grantId: string): Promise<ProcessResult> {
  for (let round = 0; round < 5; round++) {
    const result = await processGrant(ctx, grantId);
    if (result !== 'again') return result;
  }
  return 'again';
}

/**
 * Like settleGrant, for a grant this process already leased (the expiry step took the lease when it moved the
 * grant to revoking). A lease that has used up half its length while the grant waited for a lane is renewed
 * first — a compare-and-set that fails when it is no longer ours — so the target is never called on a lease
 * that may run out before the call has even started.
 */
export async function settleLeasedGrant(ctx: AppContext, leased: GrantRecord): Promise<ProcessResult> {
  let grant: GrantRecord | null = leased;
  const now = ctx.clock.now();
  if ((leased.leaseUntil ?? 0) - now < ctx.retry.leaseMs / 2) grant = await leases(ctx).renewNow(leased.id, { status: LIVE_GRANT_STATUSES }, now);
  if (!grant) return 'busy';
  const result = await processHeld(ctx, grant);
  return result === 'again' ? settleGrant(ctx, leased.id) : result;
}

/** Hand back the lease on a grant this process leased but will not process (the worker is stopping). */
export async function releaseLease(ctx: AppContext, grantId: string): Promise<void> {
  await leases(ctx).releaseNow(grantId);
}

/** Grants with work due now (new, retry due, revoking, extension not yet applied), oldest first. */
export function dueGrantIds(ctx: AppContext, limit = 100): Promise<string[]> {
  return ctx.store.grantsWithWorkDue(ctx.clock.now(), limit);
}

/** This process's leases on grant rows (src/app/lease.ts). */
function leases(ctx: AppContext) {
  return leasesOn(ctx, grantRows);
}

/**
 * Move a grant we hold the lease on from `from` to `to` (compare-and-set on both), writing `patch` with it and
 * handing the lease back in the same statement (every move ends this round of work on the grant; the caller
 * marks it `releasedInCommit` once the transaction has committed). Only a move the domain's state machine
 * allows (`canTransition`) is ever written; null when the row moved on.
 */
function transition(uow: UnitOfWork, ctx: AppContext, grant: GrantRecord, from: GrantStatus, to: GrantStatus, patch: Omit<GrantPatch, 'status'>): Promise<GrantRecord | null> {
  if (!canTransition(from, to)) throw new Error(`grant ${grant.id}: ${from} → ${to} is not a transition of the grant state machine`);
  return leases(ctx).write(uow, grant.id, { status: from }, { status: to, ...patch, leaseOwner: null, leaseUntil: null });
}

/**
 * One provider call for a grant we hold the lease on: lease renewed while it runs, a deadline as backstop.
 * A grant or extension that still lands after its deadline is undone if the grant has ended meanwhile.
 */
function callProvider<T>(ctx: AppContext, grant: GrantRecord, op: Operation, target: GrantTarget, call: (provider: Provider) => Promise<T>): Promise<T> {
  const provider = providerFor(ctx, grant);
  return leases(ctx).hold(grant.id, () => call(provider), {
    deadlineMs: callTimeoutMs(ctx),
    what: `${grant.resource} (${op} of grant ${grant.id})`,
    onLeaseLost: (error) =>
      ctx.log.error(
        { grantId: grant.id, op, err: error === null ? undefined : describe(error).message },
        'lost the lease on a grant while its target call was in flight (process paused?); the result will not be committed by this process',
      ),
    onLateSettle: (outcome) => {
      ctx.log.warn({ grantId: grant.id, op, ok: outcome.ok, err: outcome.ok ? undefined : describe(outcome.error).message }, 'a target call answered after its deadline');
      if (outcome.ok && (op === 'grant' || op === 'extend')) void undoIfEnded(ctx, grant, target, 'landed after its deadline', { always: true });
    },
  });
}

/**
 * A grant (or extension, which may re-create it) reached the target but the row moved on meanwhile. When the
 * grant has ended (revoked/failed), or is being revoked by another owner whose revoke may have run before our
 * grant landed, revoke it at the target again (idempotent). `always` also covers a revoke this process holds.
 * Returns true when it undid (or tried to undo) the grant.
 */
async function undoIfEnded(ctx: AppContext, grant: GrantRecord, target: GrantTarget, why: string, options: { always?: boolean } = {}): Promise<boolean> {
  try {
    if (!ctx.store.open) {
      ctx.log.error({ grantId: grant.id, why }, 'a grant reached the target after shutdown; reconciliation at the next start removes it if it has ended');
      return false;
    }
    const row = await grantById(ctx.store, grant.id);
    if (!row) return false;
    const now = ctx.clock.now();
    const ended = isTerminalGrant(row.status);
    const revokingElsewhere = row.status === 'revoking' && (options.always || (row.leaseOwner !== null && row.leaseOwner !== ctx.instanceId && (row.leaseUntil ?? 0) >= now));
    if (!ended && !revokingElsewhere) return false;
    let error: string | null = null;
    try {
      // The row is not ours (it ended, or another owner holds it): no lease to renew, only a deadline.
      await withDeadline(() => providerFor(ctx, grant).revoke(target), { deadlineMs: callTimeoutMs(ctx), what: `${grant.resource} (undo of grant ${grant.id})` });
    } catch (failure) {
      error = describe(failure).message;
    }
    if (!ctx.store.open) return true;
    await ctx.store.tx(async (uow) => {
      await appendAudit(uow, {
        at: ctx.clock.now(),
        actor: 'system',
        action: 'grant.undone_at_target',
        requestId: grant.requestId,
        grantId: grant.id,
        details: { why: `the grant ${why}`, status_here: row.status, revoked: error === null, ...(error ? { error } : {}) },
      });
      if (error) {
        await enqueueNotice(
          uow,
          ctx,
          { type: 'audit.alert', code: 'orphan', requestId: grant.requestId, text: `Grant ${grant.id} for ${requestRef(grant.requestId)} ("${grant.role}" on ${grant.resource}) reached the target after it had ended here, and undoing it failed (${error}). Reconciliation retries.` },
          `alert:late_grant:${grant.id}`,
        );
      }
    });
    if (error) ctx.afterCommit.noticesQueued();
    const message = `a grant ${why} while it was ${row.status} here; ${error ? 'undoing it at the target failed, reconciliation retries' : 'undone at the target'}`;
    if (error) ctx.log.error({ grantId: grant.id, err: error }, message);
    else ctx.log.warn({ grantId: grant.id }, message);
    return true;
  } catch (failure) {
    ctx.log.error({ grantId: grant.id, err: describe(failure).message }, 'checking a late grant failed; reconciliation will find any leftover');
    return false;
  }
}

function targetFor(ctx: AppContext, grant: GrantRecord): Promise<GrantTarget> {
  return grantTargetFor(ctx.store, rolesOfLiveGrants(ctx), grant, { requireRequest: true });
}

function providerFor(ctx: AppContext, grant: GrantRecord): Provider {
  const provider = ctx.providers.get(grant.resource);
  if (!provider) throw new ProviderError(`no provider is configured for resource "${grant.resource}"`, false);
  return provider;
}

function describe(error: unknown): { message: string; retryable: boolean; detail: Record<string, unknown> } {
  if (error instanceof ProviderError) return { message: error.message, retryable: error.retryable, detail: error.detail };
  if (error instanceof DeadlineExceeded) return { message: error.message, retryable: true, detail: { timed_out_after_ms: error.afterMs } };
  return { message: error instanceof Error ? error.message : String(error), retryable: true, detail: {} };
}

async function applyGrant(ctx: AppContext, grant: GrantRecord): Promise<ProcessResult> {
  if (grant.expiresAt <= ctx.clock.now()) return 'idle'; // the expiry sweep moves it to revoking
  const target = await targetFor(ctx, grant);
  let outcome;
  try {
    outcome = await callProvider(ctx, grant, 'grant', target, (provider) => provider.grant(target));
    if (outcome.credentials && !ctx.secretKey) {
      throw new ProviderError('the target issued credentials but ACCESSBOT_SECRET_KEY is not set, so they cannot be held safely', false);
    }
  } catch (error) {
    return grantFailed(ctx, grant, target, describe(error));
  }
  const now = ctx.clock.now();
  // Bound to this grant and its holder: credentials copied onto another grant's row do not open there.
  const sealed = outcome.credentials && ctx.secretKey ? sealCredentials(ctx.secretKey, outcome.credentials, { grantId: grant.id, requestId: grant.requestId, holder: target.requester }) : null;
  const committed = await ctx.store.tx(async (uow) => {
    const moved = await transition(uow, ctx, grant, 'granting', 'active', { credentials: sealed, appliedExpiresAt: grant.expiresAt, attempts: 0, nextAttemptAt: null, lastError: null, updatedAt: now });
    if (!moved) return false;
    await appendAudit(uow, {
      at: now,
      actor: 'system',
      action: 'grant.active',
      requestId: grant.requestId,
      grantId: grant.id,
      fromStatus: 'granting',
      toStatus: 'active',
      details: { ...(outcome.detail ?? {}), credentials_issued: Boolean(sealed), expires_at: new Date(grant.expiresAt).toISOString(), attempts: grant.attempts + 1 },
    });
    await enqueueNotice(uow, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'active' }, `active:${grant.id}`);
    return true;
  });
  ctx.afterCommit.noticesQueued();
  if (committed) {
    releasedInCommit.add(grant);
    return 'active';
  }
  // Lost the race to a revoke while the target call was in flight. Normally the revoke runs next ('again');
  // when another owner is already revoking (or has revoked) it, our grant may have landed after their revoke.
  return (await undoIfEnded(ctx, grant, target, 'reached the target after a revoke started')) ? 'busy' : 'again';
}

async function grantFailed(ctx: AppContext, grant: GrantRecord, target: GrantTarget, error: { message: string; retryable: boolean; detail: Record<string, unknown> }): Promise<ProcessResult> {
  const now = ctx.clock.now();
  const attempts = grant.attempts + 1;
  if (error.retryable && attempts < ctx.retry.grantMaxAttempts) {
    await ctx.store.tx(async (uow) => {
      await leases(ctx).write(uow, grant.id, { status: 'granting' }, { attempts, lastError: error.message, nextAttemptAt: now + backoffDelay(attempts, ctx.retry.grantBaseMs, 60_000, ctx.random), updatedAt: now });
      await appendAudit(uow, { at: now, actor: 'system', action: 'grant.attempt_failed', requestId: grant.requestId, grantId: grant.id, details: { attempt: attempts, error: error.message, ...error.detail } });
    });
    ctx.log.warn({ grantId: grant.id, attempt: attempts, err: error.message }, 'grant attempt failed; retrying');
    return 'retry';
  }
  // Give up: undo whatever part of the grant may exist at the target (providers' revoke is idempotent).
  try {
    await callProvider(ctx, grant, 'cleanup', target, (provider) => provider.revoke(target));
  } catch (cleanup) {
    ctx.log.error({ grantId: grant.id, err: describe(cleanup).message }, 'cleanup after a failed grant failed; reconciliation will find any leftover');
  }
  await ctx.store.tx(async (uow) => {
    const moved = await transition(uow, ctx, grant, 'granting', 'failed', { attempts, lastError: error.message, nextAttemptAt: null, updatedAt: now });
    if (!moved) return;
    await appendAudit(uow, { at: now, actor: 'system', action: 'grant.failed', requestId: grant.requestId, grantId: grant.id, fromStatus: 'granting', toStatus: 'failed', details: { attempts, error: error.message, ...error.detail } });
    await enqueueNotice(uow, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'failed', detail: null }, `failed:${grant.id}`); // the provider's text stays in the audit log and alert
    await enqueueNotice(uow, ctx, { type: 'audit.alert', code: 'grant_failed', requestId: grant.requestId, text: `Granting "${grant.role}" for ${requestRef(grant.requestId)} failed after ${attempts} attempt(s): ${error.message}` }, `alert:grant_failed:${grant.id}`);
  });
  ctx.afterCommit.noticesQueued();
  ctx.log.error({ grantId: grant.id, attempts, err: error.message }, 'grant failed');
  return 'failed';
}

async function applyRevoke(ctx: AppContext, grant: GrantRecord): Promise<ProcessResult> {
  const { target, request } = await grantTargetAndRequest(ctx.store, rolesOfLiveGrants(ctx), grant, { requireRequest: true });
  let detail: Record<string, unknown> = {};
  let activity: ActivityReport | undefined;
  // Group commit: revokes finishing together share one transaction and one statement per step (each grant
  // still its own compare-and-set). Joining before the target call lets the commit wait one turn for the
  // others' answers, and only then.
  const seat = groupCommitOf(ctx.store).join();
  try {
    ({ detail = {}, activity } = await callProvider(ctx, grant, 'revoke', target, (provider) => provider.revoke(target)));
  } catch (error) {
    seat.leave();
    return revokeFailed(ctx, grant, describe(error).message);
  }
  const committed = await seat.commitAs(finishRevokes, { ctx, grant, requesterKey: request!.requesterKey, detail, activity, now: ctx.clock.now() });
  if (!committed) return 'busy'; // our lease was taken over; the new owner records the revoke
  releasedInCommit.add(grant);
  ctx.afterCommit.noticesQueued();
  return 'revoked';
}

async function revokeFailed(ctx: AppContext, grant: GrantRecord, message: string): Promise<ProcessResult> {
  const now = ctx.clock.now();
  const attempts = grant.attempts + 1;
  const alert = attempts >= ctx.retry.revokeAlertAfter && (grant.alertedAt === null || now - grant.alertedAt >= ctx.retry.alertEveryMs);
  await ctx.store.tx(async (uow) => {
    await leases(ctx).write(
      uow,
      grant.id,
      { status: 'revoking' },
      {
        attempts,
        lastError: message,
        nextAttemptAt: now + backoffDelay(attempts, ctx.retry.revokeBaseMs, ctx.retry.revokeCapMs, ctx.random),
        alertedAt: alert ? now : grant.alertedAt,
        updatedAt: now,
      },
    );
    if (attempts === 1 || alert) {
      await appendAudit(uow, { at: now, actor: 'system', action: 'grant.revoke_failed', requestId: grant.requestId, grantId: grant.id, details: { attempt: attempts, error: message, will_retry: true } });
    }
    if (alert) {
      const overdueBy = Math.max(0, Math.round((now - grant.expiresAt) / 1000));
      await enqueueNotice(
        uow,
        ctx,
        { type: 'audit.alert', code: 'revoke_overdue', requestId: grant.requestId, text: `Revoke overdue: "${grant.role}" on ${grant.resource} for ${requestRef(grant.requestId)} could not be revoked after ${attempts} attempts${grant.revokeReason?.startsWith('expired') ? ` (${overdueBy}s past expiry)` : ''}. Last error: ${message}. Still retrying.` },
        `alert:revoke_overdue:${grant.id}:${attempts}`,
      );
      await enqueueNotice(uow, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'revoke_overdue', detail: message }, `overdue:${grant.id}:${attempts}`);
    }
  });
  if (alert) ctx.afterCommit.noticesQueued();
  ctx.log.error({ grantId: grant.id, attempt: attempts, err: message }, 'revoke failed; retrying');
  return 'retry';
}

async function applyExtension(ctx: AppContext, grant: GrantRecord): Promise<ProcessResult> {
  const target = await targetFor(ctx, grant);
  try {
    await callProvider(ctx, grant, 'extend', target, (provider) => (provider.extend ? provider.extend(target) : provider.grant(target)));
  } catch (error) {
    const { message, retryable } = describe(error);
    const now = ctx.clock.now();
    if (!retryable) return extensionRefused(ctx, grant, message, now);
    await ctx.store.tx((uow) =>
      leases(ctx).write(uow, grant.id, {}, { attempts: grant.attempts + 1, lastError: message, nextAttemptAt: now + backoffDelay(grant.attempts + 1, ctx.retry.grantBaseMs, 60_000, ctx.random) }),
    );
    ctx.log.warn({ grantId: grant.id, err: message }, 'applying an extension at the target failed; retrying');
    return 'retry';
  }
  const now = ctx.clock.now();
  const committed = await ctx.store.tx(async (uow) => {
    const moved = await leases(ctx).write(uow, grant.id, { status: 'active', expiresAt: grant.expiresAt }, { appliedExpiresAt: grant.expiresAt, attempts: 0, lastError: null, nextAttemptAt: null, updatedAt: now });
    if (!moved) return false;
    await appendAudit(uow, { at: now, actor: 'system', action: 'grant.extension_applied', requestId: grant.requestId, grantId: grant.id, details: { expires_at: new Date(grant.expiresAt).toISOString() } });
    return true;
  });
  if (committed) return 'active';
  // The grant changed meanwhile (revoked, or extended again): an extension done with grant() may have re-created it.
  return (await undoIfEnded(ctx, grant, target, 'was re-applied by an extension after a revoke started')) ? 'busy' : 'again';
}

/**
 * The target refused the new expiry for good (e.g. the login no longer exists there). The target's expiry is
 * the truth: the grant goes back to the expiry last applied, and auditors are told.
 */
async function extensionRefused(ctx: AppContext, grant: GrantRecord, message: string, now: number): Promise<ProcessResult> {
  const applied = grant.appliedExpiresAt ?? grant.expiresAt;
  await ctx.store.tx(async (uow) => {
    const reverted = await leases(ctx).write(uow, grant.id, { status: 'active', expiresAt: grant.expiresAt }, { expiresAt: applied, attempts: 0, lastError: message, nextAttemptAt: null, updatedAt: now });
    if (!reverted) return;
    await appendAudit(uow, {
      at: now,
      actor: 'system',
      action: 'grant.extension_failed',
      requestId: grant.requestId,
      grantId: grant.id,
      details: { error: message, requested_expiry: new Date(grant.expiresAt).toISOString(), expiry_kept: new Date(applied).toISOString() },
    });
    await enqueueNotice(uow, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'extended' }, `extension_reverted:${grant.id}:${grant.expiresAt}`);
    await enqueueNotice(
      uow,
      ctx,
      { type: 'audit.alert', code: 'drift', requestId: grant.requestId, text: `The extension of ${requestRef(grant.requestId)} ("${grant.role}" on ${grant.resource}) could not be applied at the target: ${message}. The access keeps its earlier end.` },
      `alert:extension_failed:${grant.id}:${grant.expiresAt}`,
    );
  });
  ctx.afterCommit.noticesQueued();
  ctx.log.error({ grantId: grant.id, err: message }, 'the target refused an extension; the earlier expiry stays');
  return 'failed';
}
