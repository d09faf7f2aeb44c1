/** Read models: what a person holds and waits for, and what awaits an approver. */
import { and, desc, eq, inArray, or } from 'drizzle-orm';
import { grants, requests } from '../../db/schema.ts';
import { isMember, samePerson, type Person, memberKeys } from '../domain/identity.ts';
import type { AppContext } from './context.ts';
import { priorReviews, requesterOf } from './records.ts';
import { loadRequestView, type RequestView } from './request-view.ts';

export interface MyAccess {
  /** Grants being applied, active, or past due and still revoking. */
  active: RequestView[];
  pending: RequestView[];
}

function requesterMatches(person: Person) {
  const keys = memberKeys(person);
  const clauses = [];
  if (person.email) clauses.push(eq(requests.requesterEmail, person.email.toLowerCase()));
  if (person.slackId) clauses.push(eq(requests.requesterSlackId, person.slackId));
  if (person.teamsId) clauses.push(eq(requests.requesterTeamsId, person.teamsId));
  return keys.length ? or(...clauses) : undefined;
}

export function listMyAccess(ctx: AppContext, person: Person): MyAccess {
  const match = requesterMatches(person);
  if (!match) return { active: [], pending: [] };
  const now = ctx.clock.now();
  const live = ctx.db.orm
    .select({ requestId: grants.requestId })
    .from(grants)
    .innerJoin(requests, eq(grants.requestId, requests.id))
    .where(and(match, inArray(grants.status, ['granting', 'active', 'revoking'])))
    .orderBy(grants.expiresAt)
    .all();
  const pending = ctx.db.orm
    .select({ id: requests.id })
    .from(requests)
    .where(and(match, eq(requests.status, 'pending')))
    .orderBy(desc(requests.id))
    .all();
  return {
    active: live.map((r) => loadRequestView(ctx.db, ctx.policy, r.requestId, now)!),
    pending: pending.map((r) => loadRequestView(ctx.db, ctx.policy, r.id, now)!),
  };
}

/** Pending requests this person may approve and has not reviewed yet (never their own). */
export function listAwaitingReview(ctx: AppContext, person: Person): RequestView[] {
  const now = ctx.clock.now();
  const rows = ctx.db.orm.select().from(requests).where(eq(requests.status, 'pending')).orderBy(requests.lapsesAt).all();
  return rows
    .filter((row) => {
      const role = ctx.policy.roles[row.role];
      if (!role || !isMember(role.approvers, person) || samePerson(requesterOf(row), person)) return false;
      return !priorReviews(ctx.db.orm, row.id).some((r) => samePerson(r.reviewer, person));
    })
    .map((row) => loadRequestView(ctx.db, ctx.policy, row.id, now)!);
}

/** Every grant that is not finished, for `accessbot grants list` and operators. */
export function listLiveGrants(ctx: AppContext): RequestView[] {
  const now = ctx.clock.now();
  return ctx.db.orm
    .select({ requestId: grants.requestId })
    .from(grants)
    .where(inArray(grants.status, ['granting', 'active', 'revoking']))
    .orderBy(grants.expiresAt)
    .all()
    .map((r) => loadRequestView(ctx.db, ctx.policy, r.requestId, now)!);
}
