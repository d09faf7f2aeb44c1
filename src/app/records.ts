/** Small shared reads and conversions used by the use cases. */
import { randomBytes } from 'node:crypto';
import type { StoreReads } from '../../db/store/port.ts';
import type { GrantRecord, RequestRecord } from '../../db/store/records.ts';
import { AccessError } from '../domain/errors.ts';
import { displayName, principalKey, type Person } from '../domain/identity.ts';
import type { PriorReview } from '../domain/request-rules.ts';
import { type RequestId, requestRef } from '../domain/request-id.ts';

export type { GrantRecord, RequestRecord } from '../../db/store/records.ts';

export async function requireRequest(reads: StoreReads, id: RequestId): Promise<RequestRecord> {
  const row = await reads.getRequest(id);
  if (!row) throw new AccessError('not_found', `There is no request ${requestRef(id)}.`);
  return row;
}

export function grantOfRequest(reads: StoreReads, requestId: RequestId): Promise<GrantRecord | null> {
  return reads.grantOfRequest(requestId);
}

export function grantById(reads: StoreReads, grantId: string): Promise<GrantRecord | null> {
  return reads.getGrant(grantId);
}

export async function priorReviews(reads: StoreReads, requestId: RequestId): Promise<PriorReview[]> {
  return (await reads.reviewsOf(requestId)).map((r) => ({
    reviewerKey: r.reviewerKey,
    decision: r.decision,
    reviewer: { email: r.reviewerEmail, slackId: r.reviewerSlackId, teamsId: r.reviewerTeamsId, name: r.reviewerName },
  }));
}

export function requesterOf(row: RequestRecord): Person {
  return { email: row.requesterEmail, slackId: row.requesterSlackId, teamsId: row.requesterTeamsId, name: row.requesterName };
}

/** The audit "who": the most stable identifier we have for a person. */
export function actorOf(person: Person | 'system' | `cli:${string}`): string {
  return typeof person === 'string' ? person : principalKey(person);
}

export function labelOf(person: Person): string {
  return displayName(person);
}

/** 12 random lowercase alphanumerics: unguessable, short enough for a PostgreSQL role name. */
export function newGrantId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(12);
  let id = '';
  for (const byte of bytes) id += alphabet[byte % 36];
  return id;
}
