/** Everything an adapter needs to render a request, read from the database in one place. */
import type { StoreReads } from '../../db/store/port.ts';
import type { Person } from '../domain/identity.ts';
import { roleNamed, type Policy } from '../domain/policy.ts';
import type { RequestStatus } from '../domain/request-rules.ts';
import type { GrantStatus } from '../domain/grant-rules.ts';
import { isRevokeOverdue } from '../domain/thresholds.ts';
import { requestRef, type RequestId } from '../domain/request-id.ts';
import { eligibleApprovers } from '../domain/waiting.ts';
import { loadWaitingState, type WaitingState } from './waiting-state.ts';
import { readActivityRecord } from './record-activity.ts';

export interface ReviewView {
  who: Person;
  decision: 'approve' | 'deny';
  note: string | null;
  at: number;
}

export interface GrantView {
  id: string;
  status: GrantStatus;
  startsAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revokeReason: string | null;
  revokedBy: string | null;
  lastError: string | null;
  /** Access that should have ended over a minute ago and is not confirmed gone (the same rule as /healthz). */
  overdue: boolean;
  hasCredentials: boolean;
  /** What the holder did, in one line, once the grant ended and the target said ("ran 14 statements in 2 sessions"). */
  activity?: string | null;
}

export interface RequestView {
  id: RequestId;
  /** Short id shown to people: "AR-42". */
  ref: string;
  kind: 'access' | 'extend';
  extendsGrantId: string | null;
  role: string;
  roleDescription: string | null;
  resource: string;
  requester: Person;
  durationMs: number;
  reason: string;
  ticket: string | null;
  breakGlass: boolean;
  autoApproved: boolean;
  status: RequestStatus;
  createdAt: number;
  lapsesAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
  decisionNote: string | null;
  approvalsRequired: number;
  reviews: ReviewView[];
  /** The role's runbook actions (name, what it does, whether it asks first); only the active grant's holder may run them. */
  actions?: { name: string; description: string; confirm: boolean }[];
  /** The role's approvers as policy members (emails, slack:U…, teams:…), for "who can approve". */
  approverMembers: string[];
  /** The grant this request created, or for an extension the grant it extends. */
  grant: GrantView | null;
  timezone: string;
  /** While pending: who has been asked, the next reminder and escalation, whether it was expedited. */
  waiting?: WaitingState | null;
}

export async function loadRequestView(reads: StoreReads, policy: Policy, requestId: RequestId, now: number): Promise<RequestView | null> {
  const row = await reads.getRequest(requestId);
  if (!row) return null;
  const reviewRows = await reads.reviewsOf(requestId);
  const grantRow = row.kind === 'extend' && row.extendsGrantId ? await reads.getGrant(row.extendsGrantId) : await reads.grantOfRequest(requestId);
  const role = roleNamed(policy, row.role);
  const requester: Person = { email: row.requesterEmail, slackId: row.requesterSlackId, teamsId: row.requesterTeamsId, name: row.requesterName };
  const reviews: ReviewView[] = reviewRows.map((r) => ({
    who: { email: r.reviewerEmail, slackId: r.reviewerSlackId, teamsId: r.reviewerTeamsId, name: r.reviewerName },
    decision: r.decision,
    note: r.note,
    at: r.createdAt,
  }));
  const eligible = role ? eligibleApprovers(role, row.createdAt, now) : new Set<never>();
  return {
    id: row.id,
    ref: requestRef(row.id),
    kind: row.kind,
    extendsGrantId: row.extendsGrantId,
    role: row.role,
    roleDescription: role?.description ?? null,
    resource: row.resource,
    requester,
    durationMs: row.durationMs,
    reason: row.reason,
    ticket: row.ticket,
    breakGlass: row.breakGlass,
    autoApproved: row.autoApproved,
    status: row.status,
    createdAt: row.createdAt,
    lapsesAt: row.lapsesAt,
    decidedAt: row.decidedAt,
    decidedBy: row.decidedBy,
    decisionNote: row.decisionNote,
    approvalsRequired: row.approvalsRequired,
    reviews,
    approverMembers: [...eligible],
    actions: Object.values(role?.actions ?? {}).map((action) => ({ name: action.name, description: action.description, confirm: action.confirm })),
    grant: grantRow
      ? {
          id: grantRow.id,
          status: grantRow.status,
          startsAt: grantRow.startsAt,
          expiresAt: grantRow.expiresAt,
          revokedAt: grantRow.revokedAt,
          revokeReason: grantRow.revokeReason,
          revokedBy: grantRow.revokedBy,
          lastError: grantRow.lastError,
          overdue: isRevokeOverdue(grantRow, now),
          hasCredentials: grantRow.credentials !== null,
          activity: (await readActivityRecord(reads, grantRow.id))?.summary ?? null,
        }
      : null,
    timezone: policy.timezone,
    waiting: await loadWaitingState(reads, role, { ...row, requester, reviewers: reviews.map((r) => r.who), eligible }, now),
  };
}
