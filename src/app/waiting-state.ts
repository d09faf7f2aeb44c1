/** Where a waiting request stands for the people waiting on it: who has been asked, what happens next and when. */
import type { StoreReads } from '../../db/store/port.ts';
import type { RequestRecord } from '../../db/store/records.ts';
import type { Person } from '../domain/identity.ts';
import { asRequestId, type RequestId } from '../domain/request-id.ts';
import type { Member, RoleDef } from '../domain/policy.ts';
import { escalatesAt, isEscalated, membersStillToReview, nextReminderAt, waitingRulesOf } from '../domain/waiting.ts';

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

/**
 * `request` carries what the caller (loadRequestView) has already read and worked out: who reviewed it and
 * who may decide it now (`eligibleApprovers`), so that neither is read or computed twice.
 */
export async function loadWaitingState(
  reads: StoreReads,
  role: RoleDef | undefined,
  request: Pick<RequestRecord, 'id' | 'status' | 'createdAt' | 'lapsesAt'> & { requester: Person; reviewers: readonly Person[]; eligible: ReadonlySet<Member> },
  now: number,
): Promise<WaitingState | null> {
  if (request.status !== 'pending' || !role) return null;
  const rules = waitingRulesOf(role);
  const expedited = await reads.kvGet(expeditedKey(asRequestId(request.id)));
  const escalation = escalatesAt(rules, request.createdAt);
  return {
    asked: membersStillToReview(request.eligible, request.requester, request.reviewers),
    nextReminderAt: nextReminderAt(rules, request.createdAt, request.lapsesAt, now),
    escalatesAt: escalation !== null && escalation > now && escalation < request.lapsesAt ? escalation : null,
    escalated: isEscalated(rules, request.createdAt, now),
    expeditedAt: expedited === null ? null : Number(expedited),
  };
}
