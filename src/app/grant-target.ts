/** What a provider is told about a grant: one shape for applying, extending and revoking it, and for reconciliation. */
import type { StoreReads } from '../../db/store/port.ts';
import type { GrantRecord, RequestRecord } from '../../db/store/records.ts';
import type { Policy } from '../domain/policy.ts';
import type { GrantTarget } from '../providers/types.ts';
import { requireRequest } from './records.ts';
import { requestRef } from '../domain/request-id.ts';

export interface GrantTargetOptions {
  /**
   * The grant's request must exist (the executor: a missing one throws `not_found`). Otherwise (reconciliation
   * revoking an orphan) the target is built from the grant alone when its request is gone.
   */
  requireRequest?: boolean;
}

export async function grantTargetFor(reads: StoreReads, policy: Pick<Policy, 'roles'>, grant: GrantRecord, options: GrantTargetOptions = {}): Promise<GrantTarget> {
  return (await grantTargetAndRequest(reads, policy, grant, options)).target;
}

/** The target, and the request it was built from (null when an orphan's request is gone), for a caller that needs both. */
export async function grantTargetAndRequest(reads: StoreReads, policy: Pick<Policy, 'roles'>, grant: GrantRecord, options: GrantTargetOptions = {}): Promise<{ target: GrantTarget; request: RequestRecord | null }> {
  const request = options.requireRequest ? await requireRequest(reads, grant.requestId) : await reads.getRequest(grant.requestId);
  const approvedBy = (await reads.reviewsOf(grant.requestId))
    .filter((r) => r.decision === 'approve')
    // The contract promises emails; an approver known only by a chat id is left out rather than sent as an id.
    .flatMap((r) => (r.reviewerEmail ? [r.reviewerEmail] : []));
  const target: GrantTarget = {
    grantId: grant.id,
    requestId: requestRef(grant.requestId),
    requester: { email: request?.requesterEmail ?? null, slackId: request?.requesterSlackId ?? null, teamsId: request?.requesterTeamsId ?? null },
    role: grant.role,
    resource: grant.resource,
    params: policy.roles[grant.role]?.grant ?? {},
    startsAt: new Date(grant.startsAt),
    expiresAt: new Date(grant.expiresAt),
    approvedBy,
    reason: request?.reason ?? 'orphan found by reconciliation',
    ticket: request?.ticket ?? null,
  };
  return { target, request };
}
