/** File a request: check it against the policy, store it, and either await approval or grant at once. */
import type { UnitOfWork } from '../../db/store/port.ts';
import { appendAudit } from '../audit/chain.ts';
import { AccessError } from '../domain/errors.ts';
import { formatDuration } from '../domain/duration.ts';
import { canonicalEmail, principalKey, type Person } from '../domain/identity.ts';
import { checkNewRequest, type FilingOutcome, type NewRequestInput } from '../domain/request-rules.ts';
import type { AppContext } from './context.ts';
import { enqueueNotice } from './outbox.ts';
import { actorOf, newGrantId } from './records.ts';
import { refuseWhilePolicyInvalid } from './policy-fault.ts';
import { checkOpenRequests, takeFilingToken } from './rate-limit.ts';
import { loadRequestView, type RequestView } from './request-view.ts';
import { type RequestId, requestRef } from '../domain/request-id.ts';

export interface RequestAccessInput extends NewRequestInput {
  /** Where it came from: slack, teams, cli. */
  origin: string;
}

export interface RequestAccessResult {
  view: RequestView;
  outcome: FilingOutcome;
  grantId: string | null;
}

export async function requestAccess(ctx: AppContext, input: RequestAccessInput): Promise<RequestAccessResult> {
  // One decision, one policy: a reload meanwhile (src/app/reload-policy.ts) does not change the rules mid-way.
  const policy = ctx.policy;
  const checked = checkNewRequest(policy, input);
  const requester: Person = input.requester;
  const key = principalKey(requester);
  refuseWhilePolicyInvalid(ctx);
  // Abuse limits before anything is stored or posted (src/app/rate-limit.ts).
  await takeFilingToken(ctx, policy, requester, checked.breakGlass ? 'break_glass' : 'filing');
  const { requestId, grantId } = await ctx.store.tx(async (uow) => {
    const now = ctx.clock.now();
    const open = await uow.findPendingRequest(key, checked.role.name);
    if (open !== null) throw new AccessError('already_decided', `You already have a pending request ${requestRef(open)} for "${checked.role.name}".`);
    const live = await uow.findLiveGrantFor(key, checked.role.name);
    if (live && live.expiresAt > now) {
      throw new AccessError('already_decided', `You already have "${checked.role.name}" (${requestRef(live.requestId)}).`, { kind: 'extend_instead', role: checked.role.name, requestId: live.requestId });
    }
    const immediate = checked.outcome !== 'pending';
    if (!immediate) await checkOpenRequests(uow, policy, requester, ctx.log);
    const inserted = await uow.insertRequest({
      kind: 'access',
      role: checked.role.name,
      resource: checked.role.resource,
      requesterKey: key,
      requesterEmail: canonicalEmail(requester.email),
      requesterSlackId: requester.slackId ?? null,
      requesterTeamsId: requester.teamsId ?? null,
      requesterName: requester.name ?? null,
      durationMs: checked.durationMs,
      reason: checked.reason,
      ticket: checked.ticket,
      breakGlass: checked.breakGlass,
      autoApproved: checked.outcome === 'auto_approved',
      approvalsRequired: checked.approvalsRequired,
      status: immediate ? 'approved' : 'pending',
      origin: input.origin,
      createdAt: now,
      lapsesAt: now + checked.role.requestTtlMs,
      decidedAt: immediate ? now : null,
      decidedBy: immediate ? (checked.outcome === 'break_glass' ? 'break-glass' : 'auto-approval') : null,
    });
    const id = inserted.id;
    const actor = actorOf(requester);
    await appendAudit(uow, {
      at: now,
      actor,
      action: 'request.created',
      requestId: id,
      toStatus: 'pending',
      details: {
        role: checked.role.name,
        resource: checked.role.resource,
        duration: formatDuration(checked.durationMs),
        reason: checked.reason,
        ticket: checked.ticket,
        break_glass: checked.breakGlass,
        approvals_required: checked.approvalsRequired,
        origin: input.origin,
        policy_hash: policy.hash,
      },
    });
    await enqueueNotice(uow, ctx, { type: 'request.filed', requestId: id }, `filed:${id}`);
    let newGrant: string | null = null;
    if (immediate) {
      await appendAudit(uow, {
        at: now,
        actor: checked.outcome === 'break_glass' ? actor : 'system',
        ...(checked.outcome === 'break_glass'
          ? { action: 'request.break_glass', details: { flagged_for_review: true } }
          : { action: 'request.auto_approved', details: { rule: 'auto_approve.max_duration' } }),
        requestId: id,
        fromStatus: 'pending',
        toStatus: 'approved',
      });
      newGrant = await insertGrant(uow, ctx, { requestId: id, role: checked.role.name, resource: checked.role.resource, durationMs: checked.durationMs, now, policyHash: policy.hash });
      if (checked.outcome === 'break_glass') {
        await enqueueNotice(
          uow,
          ctx,
          { type: 'audit.alert', code: 'break_glass', requestId: id, text: `Break-glass: ${actor} activated "${checked.role.name}" for ${formatDuration(checked.durationMs)} without approval (${requestRef(id)}). Reason: ${checked.reason}. Review it after the fact.` },
          `alert:break_glass:${id}`,
        );
      }
    }
    return { requestId: id, grantId: newGrant };
  });
  if (grantId) ctx.afterCommit.grantChanged(grantId);
  ctx.afterCommit.noticesQueued();
  ctx.log.info({ requestId, role: checked.role.name, outcome: checked.outcome }, 'request filed');
  return { view: (await loadRequestView(ctx.store, policy, requestId, ctx.clock.now()))!, outcome: checked.outcome, grantId };
}

/** Create the grant row for an approved request; the worker applies it at the target after commit. */
export async function insertGrant(
  uow: UnitOfWork,
  ctx: Pick<AppContext, 'clock'>,
  input: { requestId: RequestId; role: string; resource: string; durationMs: number; now: number; /** The hash of the policy that approved it. */ policyHash: string },
): Promise<string> {
  const id = newGrantId();
  await uow.insertGrant({
    id,
    requestId: input.requestId,
    role: input.role,
    resource: input.resource,
    status: 'granting',
    startsAt: input.now,
    expiresAt: input.now + input.durationMs,
    nextAttemptAt: input.now,
    createdAt: input.now,
    updatedAt: input.now,
  });
  await appendAudit(uow, {
    at: input.now,
    actor: 'system',
    action: 'grant.created',
    requestId: input.requestId,
    grantId: id,
    toStatus: 'granting',
    details: {
      role: input.role,
      resource: input.resource,
      starts_at: new Date(input.now).toISOString(),
      expires_at: new Date(input.now + input.durationMs).toISOString(),
      policy_hash: input.policyHash,
    },
  });
  return id;
}
