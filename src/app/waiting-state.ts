/** Where a waiting request stands for the people waiting on it: who has been asked, what happens next and when. */
import type { StoreReads } from '../../db/store/port.ts';
import type { RequestRecord } from '../../db/store/records.ts';
import type { Person } from '../domain/identity.ts';
import { asRequestId, type RequestId } from '../domain/request-id.ts';
import { roleNamed, type Policy } from '../domain/policy.ts';
import { eligibleApprovers, escalatesAt, isEscalated, membersStillToReview, nextReminderAt, waitingRulesOf } from '../domain/waiting.ts';

/** The record of a request's expedite (epoch ms as text), written by src/app/waiting.ts. */
export const expeditedKey = (id: RequestId): string => `waiting:expedited:${id}`;

/** What the requester (and anyone looking at a waiting request) is told about its schedule. */
export interface WaitingState {
  /** Policy members who may decide now and have not reviewed (who "has been asked"). */
  asked: string[];
  nextReminderAt: number | null;
  /** When it escalates, while that is still ahead; null when it has or never will. */
  escalatesAt: number | null;
  escalated: boolean;
  /** When the requester paged the approvers, if they did. */
  expeditedAt: number | null;
}

export async function loadWaitingState(reads: StoreReads, policy: Policy, row: Pick<RequestRecord, 'id' | 'role' | 'status' | 'createdAt' | 'lapsesAt'> & { requester: Person }, now: number): Promise<WaitingState | null> {
  if (row.status !== 'pending') return null;
  const role = roleNamed(policy, row.role);
  if (!role) return null;
  const rules = waitingRulesOf(role);
  const reviewers = (await reads.reviewsOf(row.id)).map((r) => ({ email: r.reviewerEmail, slackId: r.reviewerSlackId, teamsId: r.reviewerTeamsId }));
  const expedited = await reads.kvGet(expeditedKey(asRequestId(row.id)));
  const escalation = escalatesAt(rules, row.createdAt);
  return {
    asked: membersStillToReview(eligibleApprovers(role, row.createdAt, now), row.requester, reviewers),
    nextReminderAt: nextReminderAt(rules, row.createdAt, row.lapsesAt, now),
    escalatesAt: escalation !== null && escalation > now && escalation < row.lapsesAt ? escalation : null,
    escalated: isEscalated(rules, row.createdAt, now),
    expeditedAt: expedited === null ? null : Number(expedited),
  };
}
