/** Small shared reads and conversions used by the use cases. */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { grants, requests, reviews } from '../../db/schema.ts';
import { AccessError } from '../domain/errors.ts';
import { displayName, principalKey, type Person } from '../domain/identity.ts';
import type { PriorReview } from '../domain/request-rules.ts';
import type { Tx } from './context.ts';

export type RequestRow = typeof requests.$inferSelect;
export type GrantRow = typeof grants.$inferSelect;
type Reader = Pick<Tx, 'select'>;

export function requireRequest(tx: Reader, id: number): RequestRow {
  const row = tx.select().from(requests).where(eq(requests.id, id)).get();
  if (!row) throw new AccessError('not_found', `There is no request AR-${id}.`);
  return row;
}

export function grantOfRequest(tx: Reader, requestId: number): GrantRow | undefined {
  return tx.select().from(grants).where(eq(grants.requestId, requestId)).get();
}

export function grantById(tx: Reader, grantId: string): GrantRow | undefined {
  return tx.select().from(grants).where(eq(grants.id, grantId)).get();
}

export function priorReviews(tx: Reader, requestId: number): PriorReview[] {
  return tx
    .select()
    .from(reviews)
    .where(eq(reviews.requestId, requestId))
    .all()
    .map((r) => ({
      reviewerKey: r.reviewerKey,
      decision: r.decision,
      reviewer: { email: r.reviewerEmail, slackId: r.reviewerSlackId, teamsId: r.reviewerTeamsId, name: r.reviewerName },
    }));
}

export function requesterOf(row: RequestRow): Person {
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
