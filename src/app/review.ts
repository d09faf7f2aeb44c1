/** Approve or deny a pending request (or extension request). Authorised from the policy at click time. */
import type { UnitOfWork } from '../../db/store/port.ts';
import { appendAudit } from '../audit/chain.ts';
import { AccessError } from '../domain/errors.ts';
import { canonicalEmail, principalKey, type Person } from '../domain/identity.ts';
import { roleNamed, type Policy } from '../domain/policy.ts';
import { evaluateReview, type ReviewOutcome } from '../domain/request-rules.ts';
import type { AppContext } from './context.ts';
import { enqueueNotice } from './outbox.ts';
import { actorOf, grantById, labelOf, priorReviews, requesterOf, requireRequest, type RequestRecord } from './records.ts';
import { insertGrant } from './request-access.ts';
import { loadRequestView, type RequestView } from './request-view.ts';
import { type RequestId, requestRef } from '../domain/request-id.ts';

export interface ReviewInput {
  requestId: RequestId;
  reviewer: Person;
  decision: 'approve' | 'deny';
  note?: string | null;
}

export interface ReviewResult {
  view: RequestView;
  outcome: ReviewOutcome;
}

export async function review(ctx: AppContext, input: ReviewInput): Promise<ReviewResult> {
  // One decision, one policy: who may review and what an approval grants come from the same file.
  const policy = ctx.policy;
  const { outcome, grantId } = await ctx.store.tx(async (uow) => {
    const now = ctx.clock.now();
    const request = await requireRequest(uow, input.requestId);
    // evaluateReview checks who may review before anything about the request's state (a role gone: nobody).
    const outcome = evaluateReview(roleNamed(policy, request.role), { status: request.status, requester: requesterOf(request), approvalsRequired: request.approvalsRequired, decidedBy: request.decidedBy, createdAt: request.createdAt }, await priorReviews(uow, request.id), input.reviewer, input.decision, now);
    const note = input.note?.trim() || null;
    const actor = actorOf(input.reviewer);
    const recorded = await uow.insertReview({
      requestId: request.id,
      reviewerKey: principalKey(input.reviewer),
      reviewerEmail: canonicalEmail(input.reviewer.email),
      reviewerSlackId: input.reviewer.slackId ?? null,
      reviewerTeamsId: input.reviewer.teamsId ?? null,
      reviewerName: input.reviewer.name ?? null,
      decision: input.decision,
      note,
      createdAt: now,
    });
    // The policy check above already refuses a second review by the same person; this is the database's backstop.
    if (!recorded) throw new AccessError('already_reviewed', 'You have already reviewed this request.');
    await appendAudit(uow, { at: now, actor, action: input.decision === 'approve' ? 'review.approved' : 'review.denied', requestId: request.id, details: { note, policy_hash: policy.hash, ...(outcome.kind === 'recorded' ? { approvals: outcome.approvals, remaining: outcome.remaining } : {}) } });
    let grantId: string | null = null;
    if (outcome.kind !== 'recorded') {
      const status = outcome.kind === 'approved' ? 'approved' : 'denied';
      const decided = await uow.updateRequest(request.id, { status: 'pending' }, { status, decidedAt: now, decidedBy: labelOf(input.reviewer), decisionNote: note });
      if (!decided) throw new AccessError('already_decided', 'Someone else decided this request a moment ago.');
      await appendAudit(uow, { at: now, actor, action: `request.${status}`, requestId: request.id, fromStatus: 'pending', toStatus: status, details: { note, policy_hash: policy.hash } });
      if (outcome.kind === 'approved') grantId = await applyApproval(uow, ctx, policy, request, now);
    }
    await enqueueNotice(
      uow,
      ctx,
      { type: 'request.reviewed', requestId: request.id, reviewer: labelOf(input.reviewer), decision: input.decision, final: outcome.kind !== 'recorded', note },
      `reviewed:${request.id}:${principalKey(input.reviewer)}`,
    );
    return { outcome, grantId };
  });
  if (grantId) ctx.afterCommit.grantChanged(grantId);
  ctx.afterCommit.noticesQueued();
  return { view: (await loadRequestView(ctx.store, policy, input.requestId, ctx.clock.now()))!, outcome };
}

/** An approved access request creates a grant; an approved extension moves the grant's expiry. */
async function applyApproval(uow: UnitOfWork, ctx: AppContext, policy: Policy, request: RequestRecord, now: number): Promise<string | null> {
  if (request.kind === 'access') {
    return insertGrant(uow, ctx, { requestId: request.id, role: request.role, resource: request.resource, durationMs: request.durationMs, now, policyHash: policy.hash });
  }
  return extendGrant(uow, ctx, policy, request, now);
}

/** `policy`: the one the approving decision was taken under (its role's maximum caps the new expiry). */
export async function extendGrant(uow: UnitOfWork, ctx: AppContext, policy: Policy, request: RequestRecord, now: number): Promise<string | null> {
  const grant = request.extendsGrantId ? await grantById(uow, request.extendsGrantId) : null;
  const role = roleNamed(policy, request.role);
  if (!grant || grant.status !== 'active' || grant.expiresAt <= now || !role) {
    await appendAudit(uow, { at: now, actor: 'system', action: 'extension.void', requestId: request.id, grantId: grant?.id ?? null, details: { why: 'the access had already ended' } });
    return null;
  }
  const newExpiry = Math.min(grant.expiresAt + request.durationMs, grant.startsAt + role.maxDurationMs);
  const moved = await uow.updateGrant(grant.id, { status: 'active', expiresAt: grant.expiresAt }, { expiresAt: newExpiry, updatedAt: now, remindedAt: null });
  if (!moved) return null;
  await appendAudit(uow, {
    at: now,
    actor: 'system',
    action: 'grant.extended',
    requestId: grant.requestId,
    grantId: grant.id,
    fromStatus: 'active',
    toStatus: 'active',
    details: { extension_request: requestRef(request.id), from: new Date(grant.expiresAt).toISOString(), to: new Date(newExpiry).toISOString(), policy_hash: policy.hash },
  });
  await enqueueNotice(uow, ctx, { type: 'grant.changed', requestId: grant.requestId, grantId: grant.id, event: 'extended' }, `extended:${grant.id}:${newExpiry}`);
  return grant.id;
}
