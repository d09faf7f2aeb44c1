/** Ask to extend an active grant. It needs a new approval (or fits the role's auto-approval band) and the max. */
import { appendAudit } from '../audit/chain.ts';
import { formatDuration } from '../domain/duration.ts';
import { AccessError } from '../domain/errors.ts';
import { checkExtend } from '../domain/grant-rules.ts';
import { principalKey, type Person } from '../domain/identity.ts';
import { roleNamed } from '../domain/policy.ts';
import type { AppContext } from './context.ts';
import { enqueueNotice } from './outbox.ts';
import { actorOf, grantOfRequest, requesterOf, requireRequest } from './records.ts';
import { loadRequestView, type RequestView } from './request-view.ts';
import { refuseWhilePolicyInvalid } from './policy-fault.ts';
import { checkOpenRequests, takeFilingToken } from './rate-limit.ts';
import { extendGrant } from './review.ts';
import { type RequestId, requestRef } from '../domain/request-id.ts';

export interface ExtendInput {
  /** The request whose grant is extended (AR-42). */
  requestId: RequestId;
  actor: Person;
  durationMs: number;
  reason?: string | null;
  origin: string;
}

export interface ExtendResult {
  view: RequestView;
  autoApproved: boolean;
}

export async function requestExtension(ctx: AppContext, input: ExtendInput): Promise<ExtendResult> {
  const policy = ctx.policy; // one decision, one policy (a reload meanwhile applies to the next one)
  refuseWhilePolicyInvalid(ctx);
  await takeFilingToken(ctx, policy, input.actor, 'filing'); // abuse limits before anything is stored or posted
  const result = await ctx.store.tx(async (uow) => {
    const now = ctx.clock.now();
    const original = await requireRequest(uow, input.requestId);
    const holder = requesterOf(original);
    // Who may act is checked before anything is said about the request, its grant or its role.
    const { role, grant, expiresAt: newExpiry } = checkExtend(
      roleNamed(policy, original.role),
      { ref: requestRef(original.id), roleName: original.role, holder, requestStatus: original.status, grant: await grantOfRequest(uow, original.id) },
      input.actor,
      input.durationMs,
      now,
    );
    const open = await uow.findPendingExtension(grant.id);
    if (open !== null) throw new AccessError('extend_pending', `An extension (${requestRef(open)}) is already waiting for approval.`);
    const auto = role.autoApprove !== undefined && newExpiry - grant.startsAt <= role.autoApprove.maxDurationMs;
    if (!auto) await checkOpenRequests(uow, policy, input.actor, ctx.log);
    const inserted = await uow.insertRequest({
      kind: 'extend',
      extendsGrantId: grant.id,
      role: original.role,
      resource: original.resource,
      requesterKey: principalKey(holder),
      requesterEmail: original.requesterEmail,
      requesterSlackId: original.requesterSlackId,
      requesterTeamsId: original.requesterTeamsId,
      requesterName: original.requesterName,
      durationMs: input.durationMs,
      reason: input.reason?.trim() || `extend ${requestRef(original.id)}: ${original.reason}`,
      ticket: original.ticket,
      breakGlass: false,
      autoApproved: auto,
      approvalsRequired: role.approvalsRequired,
      status: auto ? 'approved' : 'pending',
      origin: input.origin,
      createdAt: now,
      lapsesAt: Math.min(now + role.requestTtlMs, grant.expiresAt),
      decidedAt: auto ? now : null,
      decidedBy: auto ? 'auto-approval' : null,
    });
    await appendAudit(uow, {
      at: now,
      actor: actorOf(input.actor),
      action: 'extension.requested',
      requestId: inserted.id,
      grantId: grant.id,
      toStatus: inserted.status,
      details: { extends: requestRef(original.id), role: original.role, by: formatDuration(input.durationMs), new_expiry: new Date(newExpiry).toISOString(), reason: inserted.reason, auto_approved: auto, policy_hash: policy.hash },
    });
    await enqueueNotice(uow, ctx, { type: 'request.filed', requestId: inserted.id }, `filed:${inserted.id}`);
    const grantId = auto ? await extendGrant(uow, ctx, policy, inserted, now) : null;
    return { requestId: inserted.id, grantId, auto };
  });
  if (result.grantId) ctx.afterCommit.grantChanged(result.grantId);
  ctx.afterCommit.noticesQueued();
  return { view: (await loadRequestView(ctx.store, policy, result.requestId, ctx.clock.now()))!, autoApproved: result.auto };
}
