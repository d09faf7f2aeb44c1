/** Read models: what a person holds and waits for, and what awaits an approver. */
import type { PersonIds } from '../../db/store/records.ts';
import { canonicalEmail, samePerson, type Person, memberKeys } from '../domain/identity.ts';
import { mayApproveAt } from '../domain/waiting.ts';
import type { AppContext } from './context.ts';
import { priorReviews, requesterOf } from './records.ts';
import { loadRequestView, type RequestView } from './request-view.ts';
import type { RequestId } from '../domain/request-id.ts';
import { endedGrantsOf } from './recent-grants.ts';

export interface MyAccess {
  /** Grants being applied, active, or past due and still revoking. */
  active: RequestView[];
  pending: RequestView[];
  /** Recently ended grants (with what happened during them), most recent first. */
  ended?: RequestView[];
}

export function requesterMatches(person: Person): PersonIds | null {
  const keys = memberKeys(person);
  const ids: PersonIds = {};
  const email = canonicalEmail(person.email);
  if (email) ids.email = email;
  if (person.slackId) ids.slackId = person.slackId;
  if (person.teamsId) ids.teamsId = person.teamsId;
  return keys.length ? ids : null;
}

/** This person's access that has not ended yet (granting, active or being removed), without their pending or ended requests. */
export async function listHeldAccess(ctx: AppContext, person: Person): Promise<RequestView[]> {
  const match = requesterMatches(person);
  return match ? viewsOf(ctx, await ctx.store.liveGrantRequestIdsOf(match), ctx.clock.now()) : [];
}

export async function listMyAccess(ctx: AppContext, person: Person): Promise<MyAccess> {
  const match = requesterMatches(person);
  if (!match) return { active: [], pending: [] };
  const now = ctx.clock.now();
  const live = await ctx.store.liveGrantRequestIdsOf(match);
  const pending = await ctx.store.pendingRequestIdsOf(match);
  return {
    active: await viewsOf(ctx, live, now),
    pending: await viewsOf(ctx, pending, now),
    ended: await endedGrantsOf(ctx, person),
  };
}

/** Pending requests this person may approve and has not reviewed yet (never their own). */
export async function listAwaitingReview(ctx: AppContext, person: Person): Promise<RequestView[]> {
  const now = ctx.clock.now();
  const rows = await ctx.store.pendingRequests();
  const awaiting: RequestId[] = [];
  for (const row of rows) {
    const role = ctx.policy.roles[row.role];
    if (!role || !mayApproveAt(role, person, row.createdAt, now) || samePerson(requesterOf(row), person)) continue;
    if (!(await priorReviews(ctx.store, row.id)).some((r) => samePerson(r.reviewer, person))) awaiting.push(row.id);
  }
  return viewsOf(ctx, awaiting, now);
}

/** Every grant that is not finished, for `accessbot grants list` and operators. */
export async function listLiveGrants(ctx: AppContext): Promise<RequestView[]> {
  const now = ctx.clock.now();
  return viewsOf(ctx, await ctx.store.liveGrantRequestIds(), now);
}

/** Views in the given order (one after another: the reads stay as they were, one request at a time). */
async function viewsOf(ctx: AppContext, requestIds: readonly RequestId[], now: number): Promise<RequestView[]> {
  const views: RequestView[] = [];
  for (const id of requestIds) views.push((await loadRequestView(ctx.store, ctx.policy, id, now))!);
  return views;
}
