/**
 * Applies grants and revokes at the target. A grant row is claimed with a lease (conditional update), the
 * provider is called outside any transaction, and the result is committed with a compare-and-set that still
 * requires our lease — so two replicas, a retry or a crash never apply a transition twice. Providers are
 * idempotent by grant id, so re-running a call after a crash is harmless.
 */
import { and, eq, inArray, isNull, lt, lte, or } from 'drizzle-orm';
import { grants, reviews } from '../../db/schema.ts';
import { appendAudit } from '../audit/chain.ts';
import { backoffDelay } from '../domain/backoff.ts';
import { ProviderError, type GrantTarget, type Provider } from '../providers/types.ts';
import { sealCredentials } from '../providers/credential-seal.ts';
import { writeTx, type AppContext } from './context.ts';
import { enqueueNotice } from './outbox.ts';
import { requireRequest, type GrantRow } from './records.ts';

export type ProcessResult = 'active' | 'revoked' | 'failed' | 'retry' | 'busy' | 'idle' | 'again';

export async function processGrant(ctx: AppContext, grantId: string): Promise<ProcessResult> {
  const grant = claim(ctx, grantId);
  if (!grant) return 'busy';
  try {
    if (grant.status === 'granting') return await applyGrant(ctx, grant);
    if (grant.status === 'revoking') return await applyRevoke(ctx, grant);
    if (grant.status === 'active' && grant.appliedExpiresAt !== grant.expiresAt) return await applyExtension(ctx, grant);
    return 'idle';
  } finally {
    release(ctx, grant.id);
  }
}

/** Process until the grant settles for now (e.g. a grant that lost a race to a revoke is then revoked). */
export async function settleGrant(ctx: AppContext, grantId: string): Promise<ProcessResult> {
  for (let round = 0; round < 5; round++) {
    const result = await processGrant(ctx, grantId);
    if (result !== 'again') return result;
  }
  return 'again';
}

/** Grants with work due now (new, retry due, revoking, extension not yet applied), oldest first. */
export function dueGrantIds(ctx: AppContext, limit = 100): string[] {
  const now = ctx.clock.now();
  return ctx.db.orm
    .select({ id: grants.id, status: grants.status, applied: grants.appliedExpiresAt, expiresAt: grants.expiresAt })
    .from(grants)
    .where(
      and(
        inArray(grants.status, ['granting', 'revoking', 'active']),
        or(isNull(grants.nextAttemptAt), lte(grants.nextAttemptAt, now)),
        or(isNull(grants.leaseUntil), lt(grants.leaseUntil, now)),
      ),
    )
    .orderBy(grants.expiresAt)
    .all()
    .filter((g) => g.status !== 'active' || g.applied !== g.expiresAt)
    .slice(0, limit)
    .map((g) => g.id);
}

function claim(ctx: AppContext, grantId: string): GrantRow | undefined {
  const now = ctx.clock.now();
  return ctx.db.orm
    .update(grants)
    .set({ leaseOwner: ctx.instanceId, leaseUntil: now + ctx.retry.leaseMs })
    .where(
      and(
        eq(grants.id, grantId),
        inArray(grants.status, ['granting', 'revoking', 'active']),
        or(isNull(grants.leaseUntil), lt(grants.leaseUntil, now)),
        or(isNull(grants.nextAttemptAt), lte(grants.nextAttemptAt, now)),
      ),
    )
    .returning()
    .get();
}

function release(ctx: AppContext, grantId: string): void {
  ctx.db.orm
    .update(grants)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(and(eq(grants.id, grantId), eq(grants.leaseOwner, ctx.instanceId)))
    .run();
}

function targetFor(ctx: AppContext, grant: GrantRow): GrantTarget {
  const request = requireRequest(ctx.db.orm, grant.requestId);
  const role = ctx.policy.roles[grant.role];
  const approvedBy = ctx.db.orm
    .select({ email: reviews.reviewerEmail, key: reviews.reviewerKey })
    .from(reviews)
    .where(and(eq(reviews.requestId, request.id), eq(reviews.decision, 'approve')))
    .all()
    .map((r) => r.email ?? r.key);
  return {
    grantId: grant.id,
    requestId: `AR-${request.id}`,
    requester: { email: request.requesterEmail, slackId: request.requesterSlackId, teamsId: request.requesterTeamsId },
    role: grant.role,
    resource: grant.resource,
    params: role?.grant ?? {},
    startsAt: new Date(grant.startsAt),
    expiresAt: new Date(grant.expiresAt),
    approvedBy,
    reason: request.reason,
    ticket: request.ticket,
  };
}

function providerFor(ctx: AppContext, grant: GrantRow): Provider {
  const provider = ctx.providers.get(grant.resource);
  if (!provider) throw new ProviderError(`no provider is configured for resource "${grant.resource}"`, false);
  return provider;
}

function describe(error: unknown): { message: string; retryable: boolean; detail: Record<string, unknown> } {
  if (error instanceof ProviderError) return { message: error.message, retryable: error.retryable, detail: error.detail };
  return { message: error instanceof Error ? error.message : String(error), retryable: true, detail: {} };
}

async function applyGrant(ctx: AppContext, grant: GrantRow): Promise<ProcessResult> {
  if (grant.expiresAt <= ctx.clock.now()) return 'idle'; // the expiry sweep moves it to revoking
  const target = targetFor(ctx, grant);
  let outcome;
  try {
    const provider = providerFor(ctx, grant);
    outcome = await provider.grant(target);
    if (outcome.credentials && !ctx.secretKey) {
      throw new ProviderError('the target issued credentials but ACCESSBOT_SECRET_KEY is not set, so they cannot be held safely', false);
    }
  } catch (error) {
    return grantFailed(ctx, grant, target, describe(error));
  }
  const now = ctx.clock.now();
  const sealed = outcome.credentials && ctx.secretKey ? sealCredentials(ctx.secretKey, outcome.credentials) : null;
  const committed = writeTx(ctx, (tx) => {
    const moved = tx
      .update(grants)
      .set({ status: 'active', credentials: sealed, appliedExpiresAt: grant.expiresAt, attempts: 0, nextAttemptAt: null, lastError: null, updatedAt: now })
      .where(and(eq(grants.id, grant.id), eq(grants.status, 'granting'), eq(grants.leaseOwner, ctx.instanceId)))
      .returning({ id: grants.id })
      .get();
    if (!moved) return false;
    appendAudit(tx, {
      at: now,
      actor: 'system',
      action: 'grant.active',
      requestId: grant.requestId,
      grantId: grant.id,
      fromStatus: 'granting',
      toStatus: 'active',
      details: { ...(outcome.detail ?? {}), credentials_issued: Boolean(sealed), expires_at: new Date(grant.expiresAt).toISOString(), attempts: grant.attempts + 1 },
    });
    enqueueNotice(tx, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'active' }, `active:${grant.id}`);
    return true;
  });
  ctx.afterCommit.noticesQueued();
  // Lost the race to a revoke while the target call was in flight: the revoke runs next.
  return committed ? 'active' : 'again';
}

async function grantFailed(ctx: AppContext, grant: GrantRow, target: GrantTarget, error: { message: string; retryable: boolean; detail: Record<string, unknown> }): Promise<ProcessResult> {
  const now = ctx.clock.now();
  const attempts = grant.attempts + 1;
  if (error.retryable && attempts < ctx.retry.grantMaxAttempts) {
    writeTx(ctx, (tx) => {
      tx.update(grants)
        .set({ attempts, lastError: error.message, nextAttemptAt: now + backoffDelay(attempts, ctx.retry.grantBaseMs, 60_000, ctx.random), updatedAt: now })
        .where(and(eq(grants.id, grant.id), eq(grants.status, 'granting'), eq(grants.leaseOwner, ctx.instanceId)))
        .run();
      appendAudit(tx, { at: now, actor: 'system', action: 'grant.attempt_failed', requestId: grant.requestId, grantId: grant.id, details: { attempt: attempts, error: error.message, ...error.detail } });
    });
    ctx.log.warn({ grantId: grant.id, attempt: attempts, err: error.message }, 'grant attempt failed; retrying');
    return 'retry';
  }
  // Give up: undo whatever part of the grant may exist at the target (providers' revoke is idempotent).
  try {
    await providerFor(ctx, grant).revoke(target);
  } catch (cleanup) {
    ctx.log.error({ grantId: grant.id, err: describe(cleanup).message }, 'cleanup after a failed grant failed; reconciliation will find any leftover');
  }
  writeTx(ctx, (tx) => {
    const moved = tx
      .update(grants)
      .set({ status: 'failed', attempts, lastError: error.message, nextAttemptAt: null, updatedAt: now })
      .where(and(eq(grants.id, grant.id), eq(grants.status, 'granting'), eq(grants.leaseOwner, ctx.instanceId)))
      .returning({ id: grants.id })
      .get();
    if (!moved) return;
    appendAudit(tx, { at: now, actor: 'system', action: 'grant.failed', requestId: grant.requestId, grantId: grant.id, fromStatus: 'granting', toStatus: 'failed', details: { attempts, error: error.message, ...error.detail } });
    enqueueNotice(tx, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'failed', detail: error.message }, `failed:${grant.id}`);
    enqueueNotice(tx, ctx, { type: 'audit.alert', code: 'grant_failed', requestId: grant.requestId, text: `Granting "${grant.role}" for AR-${grant.requestId} failed after ${attempts} attempt(s): ${error.message}` }, `alert:grant_failed:${grant.id}`);
  });
  ctx.afterCommit.noticesQueued();
  ctx.log.error({ grantId: grant.id, attempts, err: error.message }, 'grant failed');
  return 'failed';
}

async function applyRevoke(ctx: AppContext, grant: GrantRow): Promise<ProcessResult> {
  const target = targetFor(ctx, grant);
  let detail: Record<string, unknown> = {};
  try {
    detail = (await providerFor(ctx, grant).revoke(target)).detail ?? {};
  } catch (error) {
    return revokeFailed(ctx, grant, describe(error).message);
  }
  const now = ctx.clock.now();
  const expired = grant.revokeReason?.startsWith('expired') ?? false;
  const lateMs = expired ? Math.max(0, now - grant.expiresAt) : 0;
  writeTx(ctx, (tx) => {
    const moved = tx
      .update(grants)
      .set({ status: 'revoked', credentials: null, revokedAt: now, nextAttemptAt: null, lastError: null, updatedAt: now })
      .where(and(eq(grants.id, grant.id), eq(grants.status, 'revoking'), eq(grants.leaseOwner, ctx.instanceId)))
      .returning({ id: grants.id })
      .get();
    if (!moved) return;
    appendAudit(tx, {
      at: now,
      actor: 'system',
      action: 'grant.revoked',
      requestId: grant.requestId,
      grantId: grant.id,
      fromStatus: 'revoking',
      toStatus: 'revoked',
      details: { ...detail, reason: grant.revokeReason, ...(expired ? { late_ms: lateMs, late: lateMs > 5_000 } : {}), attempts: grant.attempts + 1 },
    });
    enqueueNotice(tx, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'revoked', detail: grant.revokeReason }, `revoked:${grant.id}`);
  });
  ctx.afterCommit.noticesQueued();
  return 'revoked';
}

async function revokeFailed(ctx: AppContext, grant: GrantRow, message: string): Promise<ProcessResult> {
  const now = ctx.clock.now();
  const attempts = grant.attempts + 1;
  const alert = attempts >= ctx.retry.revokeAlertAfter && (grant.alertedAt === null || now - grant.alertedAt >= ctx.retry.alertEveryMs);
  writeTx(ctx, (tx) => {
    tx.update(grants)
      .set({
        attempts,
        lastError: message,
        nextAttemptAt: now + backoffDelay(attempts, ctx.retry.revokeBaseMs, ctx.retry.revokeCapMs, ctx.random),
        alertedAt: alert ? now : grant.alertedAt,
        updatedAt: now,
      })
      .where(and(eq(grants.id, grant.id), eq(grants.status, 'revoking'), eq(grants.leaseOwner, ctx.instanceId)))
      .run();
    if (attempts === 1 || alert) {
      appendAudit(tx, { at: now, actor: 'system', action: 'grant.revoke_failed', requestId: grant.requestId, grantId: grant.id, details: { attempt: attempts, error: message, will_retry: true } });
    }
    if (alert) {
      const overdueBy = Math.max(0, Math.round((now - grant.expiresAt) / 1000));
      enqueueNotice(
        tx,
        ctx,
        { type: 'audit.alert', code: 'revoke_overdue', requestId: grant.requestId, text: `Revoke overdue: "${grant.role}" on ${grant.resource} for AR-${grant.requestId} could not be revoked after ${attempts} attempts${grant.revokeReason?.startsWith('expired') ? ` (${overdueBy}s past expiry)` : ''}. Last error: ${message}. Still retrying.` },
        `alert:revoke_overdue:${grant.id}:${attempts}`,
      );
      enqueueNotice(tx, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'revoke_overdue', detail: message }, `overdue:${grant.id}:${attempts}`);
    }
  });
  if (alert) ctx.afterCommit.noticesQueued();
  ctx.log.error({ grantId: grant.id, attempt: attempts, err: message }, 'revoke failed; retrying');
  return 'retry';
}

async function applyExtension(ctx: AppContext, grant: GrantRow): Promise<ProcessResult> {
  const target = targetFor(ctx, grant);
  try {
    const provider = providerFor(ctx, grant);
    await (provider.extend ? provider.extend(target) : provider.grant(target));
  } catch (error) {
    const { message } = describe(error);
    const now = ctx.clock.now();
    ctx.db.orm
      .update(grants)
      .set({ attempts: grant.attempts + 1, lastError: message, nextAttemptAt: now + backoffDelay(grant.attempts + 1, ctx.retry.grantBaseMs, 60_000, ctx.random) })
      .where(and(eq(grants.id, grant.id), eq(grants.leaseOwner, ctx.instanceId)))
      .run();
    ctx.log.warn({ grantId: grant.id, err: message }, 'applying an extension at the target failed; retrying');
    return 'retry';
  }
  const now = ctx.clock.now();
  writeTx(ctx, (tx) => {
    tx.update(grants)
      .set({ appliedExpiresAt: grant.expiresAt, attempts: 0, lastError: null, nextAttemptAt: null, updatedAt: now })
      .where(and(eq(grants.id, grant.id), eq(grants.status, 'active'), eq(grants.expiresAt, grant.expiresAt), eq(grants.leaseOwner, ctx.instanceId)))
      .run();
    appendAudit(tx, { at: now, actor: 'system', action: 'grant.extension_applied', requestId: grant.requestId, grantId: grant.id, details: { expires_at: new Date(grant.expiresAt).toISOString() } });
  });
  return 'active';
}
