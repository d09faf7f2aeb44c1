/** File a request: check it against the policy, store it, and either await approval or grant at once. */
import { and, eq, inArray } from 'drizzle-orm';
import { grants, requests } from '../../db/schema.ts';
import { appendAudit } from '../audit/chain.ts';
import { AccessError } from '../domain/errors.ts';
import { formatDuration } from '../domain/duration.ts';
import { principalKey, type Person } from '../domain/identity.ts';
import { checkNewRequest, type FilingOutcome, type NewRequestInput } from '../domain/request-rules.ts';
import { writeTx, type AppContext } from './context.ts';
import { enqueueNotice } from './outbox.ts';
import { actorOf, newGrantId } from './records.ts';
import { loadRequestView, type RequestView } from './request-view.ts';

export interface RequestAccessInput extends NewRequestInput {
  /** Where it came from: slack, teams, cli. */
  origin: string;
}

export interface RequestAccessResult {
  view: RequestView;
  outcome: FilingOutcome;
  grantId: string | null;
}

export function requestAccess(ctx: AppContext, input: RequestAccessInput): RequestAccessResult {
  const checked = checkNewRequest(ctx.policy, input);
  const requester: Person = input.requester;
  const key = principalKey(requester);
  const { requestId, grantId } = writeTx(ctx, (tx) => {
    const now = ctx.clock.now();
    const open = tx
      .select({ id: requests.id, status: requests.status })
      .from(requests)
      .where(and(eq(requests.requesterKey, key), eq(requests.role, checked.role.name), eq(requests.kind, 'access'), eq(requests.status, 'pending')))
      .get();
    if (open) throw new AccessError('already_decided', `You already have a pending request AR-${open.id} for "${checked.role.name}".`);
    const live = tx
      .select({ requestId: grants.requestId, expiresAt: grants.expiresAt })
      .from(grants)
      .innerJoin(requests, eq(grants.requestId, requests.id))
      .where(and(eq(requests.requesterKey, key), eq(grants.role, checked.role.name), inArray(grants.status, ['granting', 'active'])))
      .get();
    if (live && live.expiresAt > now) {
      throw new AccessError('already_decided', `You already have "${checked.role.name}" (AR-${live.requestId}); extend it with /access extend AR-${live.requestId} DURATION.`);
    }
    const immediate = checked.outcome !== 'pending';
    const inserted = tx
      .insert(requests)
      .values({
        kind: 'access',
        role: checked.role.name,
        resource: checked.role.resource,
        requesterKey: key,
        requesterEmail: requester.email?.toLowerCase() ?? null,
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
      })
      .returning({ id: requests.id })
      .get();
    const id = inserted.id;
    const actor = actorOf(requester);
    appendAudit(tx, {
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
      },
    });
    enqueueNotice(tx, ctx, { type: 'request.filed', requestId: id }, `filed:${id}`);
    let newGrant: string | null = null;
    if (immediate) {
      appendAudit(tx, {
        at: now,
        actor: checked.outcome === 'break_glass' ? actor : 'system',
        action: checked.outcome === 'break_glass' ? 'request.break_glass' : 'request.auto_approved',
        requestId: id,
        fromStatus: 'pending',
        toStatus: 'approved',
        details: checked.outcome === 'break_glass' ? { flagged_for_review: true } : { rule: 'auto_approve.max_duration' },
      });
      newGrant = insertGrant(tx, ctx, { requestId: id, role: checked.role.name, resource: checked.role.resource, durationMs: checked.durationMs, now });
      if (checked.outcome === 'break_glass') {
        enqueueNotice(
          tx,
          ctx,
          { type: 'audit.alert', code: 'break_glass', requestId: id, text: `Break-glass: ${actor} activated "${checked.role.name}" for ${formatDuration(checked.durationMs)} without approval (AR-${id}). Reason: ${checked.reason}. Review it after the fact.` },
          `alert:break_glass:${id}`,
        );
      }
    }
    return { requestId: id, grantId: newGrant };
  });
  if (grantId) ctx.afterCommit.grantChanged(grantId);
  ctx.afterCommit.noticesQueued();
  ctx.log.info({ requestId, role: checked.role.name, outcome: checked.outcome }, 'request filed');
  return { view: loadRequestView(ctx.db, ctx.policy, requestId, ctx.clock.now())!, outcome: checked.outcome, grantId };
}

/** Create the grant row for an approved request; the worker applies it at the target after commit. */
export function insertGrant(
  tx: Parameters<Parameters<AppContext['db']['orm']['transaction']>[0]>[0],
  ctx: Pick<AppContext, 'clock'>,
  input: { requestId: number; role: string; resource: string; durationMs: number; now: number },
): string {
  const id = newGrantId();
  tx.insert(grants)
    .values({
      id,
      requestId: input.requestId,
      role: input.role,
      resource: input.resource,
      status: 'granting',
      startsAt: input.now,
      expiresAt: input.now + input.durationMs,
      attempts: 0,
      nextAttemptAt: input.now,
      createdAt: input.now,
      updatedAt: input.now,
    })
    .run();
  appendAudit(tx, {
    at: input.now,
    actor: 'system',
    action: 'grant.created',
    requestId: input.requestId,
    grantId: id,
    toStatus: 'granting',
    details: { role: input.role, resource: input.resource, starts_at: new Date(input.now).toISOString(), expires_at: new Date(input.now + input.durationMs).toISOString() },
  });
  return id;
}
