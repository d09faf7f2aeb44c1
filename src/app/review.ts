/** Approve or deny a pending request (or extension request). Authorised from the policy at click time. */
import { and, eq } from 'drizzle-orm';
import { grants, requests, reviews } from '../../db/schema.ts';
import { appendAudit } from '../audit/chain.ts';
import { AccessError } from '../domain/errors.ts';
import { principalKey, type Person } from '../domain/identity.ts';
import { evaluateReview, type ReviewOutcome } from '../domain/request-rules.ts';
import { writeTx, type AppContext, type Tx } from './context.ts';
import { enqueueNotice } from './outbox.ts';
import { actorOf, grantById, labelOf, priorReviews, requesterOf, requireRequest, type RequestRow } from './records.ts';
import { insertGrant } from './request-access.ts';
import { loadRequestView, type RequestView } from './request-view.ts';

export interface ReviewInput {
  requestId: number;
  reviewer: Person;
  decision: 'approve' | 'deny';
  note?: string | null;
}

export interface ReviewResult {
  view: RequestView;
  outcome: ReviewOutcome;
}

export function review(ctx: AppContext, input: ReviewInput): ReviewResult {
  const { outcome, grantId } = writeTx(ctx, (tx) => {
    const now = ctx.clock.now();
    const request = requireRequest(tx, input.requestId);
    const role = ctx.policy.roles[request.role];
    if (!role) throw new AccessError('not_allowed', `The role "${request.role}" is no longer in the policy, so this request cannot be reviewed.`);
    const outcome = evaluateReview(role, { status: request.status, requester: requesterOf(request), approvalsRequired: request.approvalsRequired, decidedBy: request.decidedBy }, priorReviews(tx, request.id), input.reviewer, input.decision);
    const note = input.note?.trim() || null;
    const actor = actorOf(input.reviewer);
    tx.insert(reviews)
      .values({
        requestId: request.id,
        reviewerKey: principalKey(input.reviewer),
        reviewerEmail: input.reviewer.email?.toLowerCase() ?? null,
        reviewerSlackId: input.reviewer.slackId ?? null,
        reviewerTeamsId: input.reviewer.teamsId ?? null,
        reviewerName: input.reviewer.name ?? null,
        decision: input.decision,
        note,
        createdAt: now,
      })
      .run();
    appendAudit(tx, { at: now, actor, action: input.decision === 'approve' ? 'review.approved' : 'review.denied', requestId: request.id, details: { note, ...(outcome.kind === 'recorded' ? { approvals: outcome.approvals, remaining: outcome.remaining } : {}) } });
    let grantId: string | null = null;
    if (outcome.kind !== 'recorded') {
      const status = outcome.kind === 'approved' ? 'approved' : 'denied';
      const decided = tx
        .update(requests)
        .set({ status, decidedAt: now, decidedBy: labelOf(input.reviewer), decisionNote: note })
        .where(and(eq(requests.id, request.id), eq(requests.status, 'pending')))
        .returning({ id: requests.id })
        .get();
      if (!decided) throw new AccessError('already_decided', 'Someone else decided this request a moment ago.');
      appendAudit(tx, { at: now, actor, action: `request.${status}`, requestId: request.id, fromStatus: 'pending', toStatus: status, details: { note } });
      if (outcome.kind === 'approved') grantId = applyApproval(tx, ctx, request, now);
    }
    enqueueNotice(
      tx,
      ctx,
      { type: 'request.reviewed', requestId: request.id, reviewer: labelOf(input.reviewer), decision: input.decision, final: outcome.kind !== 'recorded', note },
      `reviewed:${request.id}:${principalKey(input.reviewer)}`,
    );
    return { outcome, grantId };
  });
  if (grantId) ctx.afterCommit.grantChanged(grantId);
  ctx.afterCommit.noticesQueued();
  return { view: loadRequestView(ctx.db, ctx.policy, input.requestId, ctx.clock.now())!, outcome };
}

/** An approved access request creates a grant; an approved extension moves the grant's expiry. */
function applyApproval(tx: Tx, ctx: AppContext, request: RequestRow, now: number): string | null {
  if (request.kind === 'access') {
    return insertGrant(tx, ctx, { requestId: request.id, role: request.role, resource: request.resource, durationMs: request.durationMs, now });
  }
  return extendGrant(tx, ctx, request, now);
}

export function extendGrant(tx: Tx, ctx: AppContext, request: RequestRow, now: number): string | null {
  const grant = request.extendsGrantId ? grantById(tx, request.extendsGrantId) : undefined;
  const role = ctx.policy.roles[request.role];
  if (!grant || grant.status !== 'active' || grant.expiresAt <= now || !role) {
    appendAudit(tx, { at: now, actor: 'system', action: 'extension.void', requestId: request.id, grantId: grant?.id ?? null, details: { why: 'the access had already ended' } });
    return null;
  }
  const newExpiry = Math.min(grant.expiresAt + request.durationMs, grant.startsAt + role.maxDurationMs);
  const moved = tx
    .update(grants)
    .set({ expiresAt: newExpiry, updatedAt: now, remindedAt: null })
    .where(and(eq(grants.id, grant.id), eq(grants.status, 'active'), eq(grants.expiresAt, grant.expiresAt)))
    .returning({ id: grants.id })
    .get();
  if (!moved) return null;
  appendAudit(tx, {
    at: now,
    actor: 'system',
    action: 'grant.extended',
    requestId: grant.requestId,
    grantId: grant.id,
    fromStatus: 'active',
    toStatus: 'active',
    details: { extension_request: `AR-${request.id}`, from: new Date(grant.expiresAt).toISOString(), to: new Date(newExpiry).toISOString() },
  });
  enqueueNotice(tx, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'extended' }, `extended:${grant.id}:${newExpiry}`);
  return grant.id;
}
