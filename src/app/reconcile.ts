/**
 * Compare what each target really holds with what the database says, and repair the dangerous direction:
 * - orphan: the target holds access for a grant id that is not granting/active/revoking here (a crash between a
 *   target call and its commit, a failed cleanup, a restored backup) → revoke it at the target, alert, audit.
 * - drift: a grant active here is missing at the target (someone removed it by hand) → alert and audit, once.
 * Only providers that implement `verify()` take part. One provider failing never stops the others, and every
 * target call has a deadline, so a hanging target cannot wedge the job (or the shutdown waiting for it).
 */
import { appendAudit } from '../audit/chain.ts';
import { isTerminalGrant } from '../domain/grant-rules.ts';
import type { GrantTarget, Provider } from '../providers/types.ts';
import type { AppContext } from './context.ts';
import { withDeadline } from './in-flight.ts';
import { markTargetReachable, markTargetUnreachable } from './target-availability.ts';
import { enqueueNotice } from './outbox.ts';
import { grantTargetFor } from './grant-target.ts';
import { rolesOfLiveGrants } from './last-good-policy.ts';
import type { GrantRecord } from './records.ts';
import { requestRef } from '../domain/request-id.ts';

const HOUR = 3_600_000;
/** Longest one listing or orphan revoke may take before it counts as failed (tried again next run). */
const RECONCILE_CALL_TIMEOUT_MS = 2 * 60_000;

export interface ReconcileOptions {
  callTimeoutMs?: number;
}

export interface OrphanFinding {
  grantId: string;
  /** The grant's status here, or null when this database has never heard of it. */
  knownAs: GrantRecord['status'] | null;
  revoked: boolean;
  error: string | null;
}

export interface ProviderReconcileResult {
  resource: string;
  kind: string;
  /** False when the provider cannot list what it holds, or listing failed (see `error`). */
  checked: boolean;
  held: number;
  orphans: OrphanFinding[];
  /** Active grants missing at the target (reported once per grant). */
  drift: string[];
  error: string | null;
}

export interface ReconcileReport {
  at: number;
  providers: ProviderReconcileResult[];
}

export async function reconcile(ctx: AppContext, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const at = ctx.clock.now();
  const results: ProviderReconcileResult[] = [];
  const timeoutMs = options.callTimeoutMs ?? RECONCILE_CALL_TIMEOUT_MS;
  const within =
    (what: string) =>
    <T>(call: () => Promise<T>): Promise<T> =>
      withDeadline(call, { deadlineMs: timeoutMs, what });
  for (const [resource, provider] of ctx.providers) {
    results.push(await reconcileProvider(ctx, resource, provider, within(`${resource} (reconciliation)`)));
  }
  return { at, providers: results };
}

type Deadline = <T>(call: () => Promise<T>) => Promise<T>;

async function reconcileProvider(ctx: AppContext, resource: string, provider: Provider, within: Deadline): Promise<ProviderReconcileResult> {
  const result: ProviderReconcileResult = { resource, kind: provider.kind, checked: false, held: 0, orphans: [], drift: [], error: null };
  if (!provider.verify) return result;
  // Rows that change after this instant may have changed while the target was being listed: judge them next time.
  const startedAt = ctx.clock.now();
  let held: string[];
  try {
    held = (await within(() => provider.verify!())).grantIds;
  } catch (error) {
    result.error = messageOf(error);
    // An absent target is said once (and again when it answers), not every run.
    if (markTargetUnreachable(ctx, resource, result.error)) ctx.log.warn({ resource, err: result.error }, `target ${resource} is unavailable: reconciliation could not list what it holds and grants there wait until it answers (said once, and again when it is back)`);
    else ctx.log.debug({ resource, err: result.error }, 'target still unreachable for reconciliation');
    return result;
  }
  if (markTargetReachable(ctx, resource)) ctx.log.info({ resource }, 'target reachable again');
  result.checked = true;
  result.held = held.length;
  const heldSet = new Set(held);

  for (const grantId of heldSet) {
    try {
      const orphan = await checkHeld(ctx, resource, provider, grantId, startedAt, within);
      if (orphan) result.orphans.push(orphan);
    } catch (error) {
      ctx.log.error({ resource, grantId, err: messageOf(error) }, 'reconciling one grant failed');
    }
  }

  const active = (await ctx.store.activeGrantsOn(resource, ctx.clock.now())).filter((g) => !heldSet.has(g.id) && g.updatedAt < startedAt && g.leaseUntil === null);
  for (const grant of active) {
    try {
      if (await reportDrift(ctx, grant)) result.drift.push(grant.id);
    } catch (error) {
      ctx.log.error({ resource, grantId: grant.id, err: messageOf(error) }, 'recording drift failed');
    }
  }
  if (result.orphans.length || result.drift.length) {
    ctx.log.warn({ resource, orphans: result.orphans.map((o) => o.grantId), drift: result.drift }, 'reconciliation found differences');
  }
  return result;
}

async function checkHeld(ctx: AppContext, resource: string, provider: Provider, grantId: string, startedAt: number, within: Deadline): Promise<OrphanFinding | null> {
  const row = await ctx.store.getGrant(grantId);
  if (row && !isTerminalGrant(row.status)) return null;
  if (row && row.updatedAt >= startedAt) return null;
  const finding: OrphanFinding = { grantId, knownAs: row?.status ?? null, revoked: false, error: null };
  try {
    const target = row ? await grantTargetFor(ctx.store, rolesOfLiveGrants(ctx), row) : unknownTarget(ctx, resource, grantId);
    await within(() => provider.revoke(target));
    finding.revoked = true;
  } catch (error) {
    finding.error = messageOf(error);
  }
  const now = ctx.clock.now();
  const what = row ? `${requestRef(row.requestId)} ("${row.role}", ${row.status} here)` : 'unknown to this bot';
  const outcome = finding.revoked ? 'Revoked it at the target.' : `Revoking it failed (${finding.error}); the next check tries again.`;
  await ctx.store.tx(async (uow) => {
    await appendAudit(uow, {
      at: now,
      actor: 'system',
      action: 'reconcile.orphan',
      requestId: row?.requestId ?? null,
      grantId,
      details: { resource, known_as: finding.knownAs, revoked: finding.revoked, ...(finding.error ? { error: finding.error } : {}) },
    });
    await enqueueNotice(
      uow,
      ctx,
      { type: 'audit.alert', code: 'orphan', requestId: row?.requestId ?? null, text: `Orphaned access on ${resource}: grant ${grantId} (${what}) still existed at the target. ${outcome}` },
      `alert:orphan:${grantId}:${finding.revoked ? 'revoked' : 'failed'}:${Math.floor(now / HOUR)}`,
    );
  });
  ctx.afterCommit.noticesQueued();
  return finding;
}

/** Audit and alert a drifted grant once; false when it was reported before. */
async function reportDrift(ctx: AppContext, grant: GrantRecord): Promise<boolean> {
  const now = ctx.clock.now();
  const reported = await ctx.store.tx(async (uow) => {
    const before = await uow.hasAuditEvent({ requestId: grant.requestId, grantId: grant.id, action: 'reconcile.drift' });
    if (before) return false;
    await appendAudit(uow, {
      at: now,
      actor: 'system',
      action: 'reconcile.drift',
      requestId: grant.requestId,
      grantId: grant.id,
      details: { resource: grant.resource, role: grant.role, expires_at: new Date(grant.expiresAt).toISOString(), found: 'missing at the target' },
    });
    await enqueueNotice(
      uow,
      ctx,
      {
        type: 'audit.alert',
        code: 'drift',
        requestId: grant.requestId,
        text: `Drift on ${grant.resource}: ${requestRef(grant.requestId)} ("${grant.role}") is active here until ${new Date(grant.expiresAt).toISOString()}, but the target no longer holds it. Someone may have removed it by hand; it is not re-created automatically.`,
      },
      `alert:drift:${grant.id}`,
    );
    return true;
  });
  if (reported) ctx.afterCommit.noticesQueued();
  return reported;
}

/** A grant id the target holds but this database has never seen: all we know is the id and where it is. */
function unknownTarget(ctx: AppContext, resource: string, grantId: string): GrantTarget {
  const now = new Date(ctx.clock.now());
  return {
    grantId,
    requestId: 'unknown',
    requester: { email: null, slackId: null, teamsId: null },
    role: '',
    resource,
    params: {},
    startsAt: now,
    expiresAt: now,
    approvedBy: [],
    reason: 'orphan found by reconciliation',
    ticket: null,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
