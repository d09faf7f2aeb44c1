/**
 * Waiting requests never sit unseen (issue 14): the sweep that reminds approvers and escalates, and the
 * requester's "page approvers now". Every step is claimed in the store inside the unit of work that also
 * audits it and queues its notice (insert-if-absent of `waiting:…` records), so however many replicas sweep,
 * and across restarts, each reminder round, each escalation and each expedite happens exactly once. Which
 * round is due derives from the request's creation time (src/domain/waiting.ts): a sweep that comes late
 * (a restart, a paused process) sends the round due now — once — instead of a burst of missed ones.
 */
import type { StoreReads, UnitOfWork } from '../../db/store/port.ts';
import { appendAudit } from '../audit/chain.ts';
import { formatDuration } from '../domain/duration.ts';
import { asRequestId, type RequestId } from '../domain/request-id.ts';
import { AccessError } from '../domain/errors.ts';
import type { Person } from '../domain/identity.ts';
import { roleNamed, type Policy } from '../domain/policy.ts';
import { checkExpedite, eligibleApprovers, isEscalated, membersStillToReview, reminderRound, waitingRulesOf } from '../domain/waiting.ts';
import type { AppContext } from './context.ts';
import { enqueueNotice } from './outbox.ts';
import { actorOf, labelOf, priorReviews, requesterOf, type RequestRecord } from './records.ts';
import { loadRequestView, type RequestView } from './request-view.ts';
import { requestRef } from '../domain/request-id.ts';
import { expeditedKey } from './waiting-state.ts';

/** The outbox "platform" of the expedite paging hook (src/app/expedite-webhook.ts delivers its rows). */
export const EXPEDITE_WEBHOOK_PLATFORM = 'expedite-webhook';

export const WAITING_KEYS = {
  reminded: (id: RequestId, round: number) => `waiting:reminded:${id}:${round}`,
  escalated: (id: RequestId) => `waiting:escalated:${id}`,
  expedited: expeditedKey,
};
/** The records are kept this long (longer than any request waits), then pruned by the sweep. */
const KEEP_RECORDS_MS = 30 * 24 * 60 * 60_000;
const PRUNE_EVERY_MS = 60 * 60_000;
const lastPruned = new WeakMap<object, number>();

export interface WaitingSweepResult {
  reminded: number;
  escalated: number;
}

/** Remind and escalate every pending request that is due. */
export async function sweepWaitingRequests(ctx: AppContext): Promise<WaitingSweepResult> {
  const policy = ctx.policy;
  const now = ctx.clock.now();
  const result: WaitingSweepResult = { reminded: 0, escalated: 0 };
  for (const row of await ctx.store.pendingRequests()) {
    const id = asRequestId(row.id);
    const rules = waitingRulesOf(roleNamed(policy, row.role));
    if (!rules || row.lapsesAt <= now) continue;
    if (isEscalated(rules, row.createdAt, now) && (await ctx.store.kvGet(WAITING_KEYS.escalated(id))) === null) {
      if (await ctx.store.tx((uow) => escalate(uow, ctx, policy, id, now))) result.escalated++;
    }
    const round = reminderRound(rules, row.createdAt, now);
    if (round > 0 && (await ctx.store.kvGet(WAITING_KEYS.reminded(id, round))) === null) {
      if (await ctx.store.tx((uow) => remind(uow, ctx, policy, id, round, now))) result.reminded++;
    }
  }
  if (result.reminded || result.escalated) ctx.afterCommit.noticesQueued();
  if (now - (lastPruned.get(ctx.store) ?? 0) >= PRUNE_EVERY_MS) {
    lastPruned.set(ctx.store, now);
    await ctx.store.tx((uow) => uow.kvPrune('waiting:', now - KEEP_RECORDS_MS));
  }
  return result;
}

/** The request as it stands inside the unit of work, when it still waits. */
async function stillPending(uow: UnitOfWork, id: RequestId, now: number): Promise<RequestRecord | null> {
  const row = await uow.getRequest(id);
  return row && row.status === 'pending' && row.lapsesAt > now ? row : null;
}

async function remind(uow: UnitOfWork, ctx: AppContext, policy: Policy, id: RequestId, round: number, now: number): Promise<boolean> {
  const row = await stillPending(uow, id, now);
  const role = row ? roleNamed(policy, row.role) : undefined;
  const rules = waitingRulesOf(role);
  if (!row || !role || !rules?.remindAfterMs) return false;
  if (!(await uow.kvInsertIfAbsent(WAITING_KEYS.reminded(id, round), String(now), now))) return false;
  // Who could approve when this round fell due: the escalation group is told by its own message first.
  const dueAt = row.createdAt + round * rules.remindAfterMs;
  const members = await stillToReview(uow, row, eligibleApprovers(role, row.createdAt, dueAt - 1));
  if (members.length === 0) return false;
  await appendAudit(uow, { at: now, actor: 'system', action: 'request.reminded', requestId: id, details: { round, waited: formatDuration(now - row.createdAt), reminded: members } });
  await enqueueNotice(uow, ctx, { type: 'request.reminded', requestId: id, round, members }, `reminded:${id}:${round}`);
  return true;
}

async function escalate(uow: UnitOfWork, ctx: AppContext, policy: Policy, id: RequestId, now: number): Promise<boolean> {
  const row = await stillPending(uow, id, now);
  const rules = waitingRulesOf(row ? roleNamed(policy, row.role) : undefined);
  if (!row || !rules?.escalation || !isEscalated(rules, row.createdAt, now)) return false;
  if (!(await uow.kvInsertIfAbsent(WAITING_KEYS.escalated(id), String(now), now))) return false;
  const members = await stillToReview(uow, row, rules.escalation.approvers);
  await appendAudit(uow, { at: now, actor: 'system', action: 'request.escalated', requestId: id, details: { waited: formatDuration(now - row.createdAt), escalated_to: members } });
  await enqueueNotice(uow, ctx, { type: 'request.escalated', requestId: id, members }, `escalated:${id}`);
  return true;
}

async function stillToReview(reads: StoreReads, row: RequestRecord, eligible: ReadonlySet<string>): Promise<string[]> {
  const reviewers = (await priorReviews(reads, row.id)).map((r) => r.reviewer);
  return membersStillToReview(eligible, requesterOf(row), reviewers);
}

export interface ExpediteInput {
  requestId: RequestId;
  actor: Person;
  note?: string | null;
}

/**
 * The requester marks a waiting request urgent, once: every approver who may decide now and has not reviewed
 * is messaged at once (with the note), the role's paging hook is called where configured. Audited.
 */
export async function expediteRequest(ctx: AppContext, input: ExpediteInput): Promise<RequestView> {
  const policy = ctx.policy;
  const note = input.note?.trim().slice(0, 500) || null;
  await ctx.store.tx(async (uow) => {
    const now = ctx.clock.now();
    const row = await uow.getRequest(input.requestId);
    if (!row) throw new AccessError('not_found', `There is no request ${requestRef(input.requestId)}.`);
    const expedited = await uow.kvGet(WAITING_KEYS.expedited(input.requestId));
    checkExpedite({ status: row.status, requester: requesterOf(row), ref: requestRef(row.id) }, input.actor, expedited === null ? null : Number(expedited), (at) => `${formatDuration(Math.max(now - at, 1000))} ago`);
    const role = roleNamed(policy, row.role);
    if (!role) throw new AccessError('not_allowed', 'Nobody can review this request: its role is no longer in the policy.');
    if (!(await uow.kvInsertIfAbsent(WAITING_KEYS.expedited(input.requestId), String(now), now))) throw new AccessError('not_allowed', `The approvers of ${requestRef(row.id)} were already paged.`);
    const members = await stillToReview(uow, row, eligibleApprovers(role, row.createdAt, now));
    const webhook = waitingRulesOf(role)?.expediteWebhook ?? null;
    await appendAudit(uow, { at: now, actor: actorOf(input.actor), action: 'request.expedited', requestId: row.id, details: { note, paged: members, webhook: webhook !== null } });
    const notice = { type: 'request.expedited' as const, requestId: row.id, by: labelOf(input.actor), note, members };
    await enqueueNotice(uow, ctx, notice, `expedited:${row.id}`);
    if (webhook) await uow.enqueueNotice({ platform: EXPEDITE_WEBHOOK_PLATFORM, dedupeKey: `expedited:${row.id}`, notice: JSON.stringify(notice), now });
  });
  ctx.afterCommit.noticesQueued();
  return (await loadRequestView(ctx.store, policy, input.requestId, ctx.clock.now()))!;
}
