/**
 * The abuse limits on filing (issue 12, item 8), checked before anything is stored or posted:
 *   - a token bucket per person, kept in the store (one kv record per person and bucket) and updated with a
 *     lock-free compare-and-set, so every replica draws from the same bucket without taking the write lock —
 *     a person hammering the bot never queues behind, nor holds up, anyone's decision;
 *   - a cap on the requests a person has awaiting approval (pending access and extension requests, across
 *     roles), checked inside the filing transaction so two replicas cannot both let the last one through.
 * Break-glass draws from its own, smaller bucket (normal filing never uses up an emergency) and is never
 * counted as open: it is granted at once and flagged for review.
 */
import type { UnitOfWork } from '../../db/store/port.ts';
import { formatDuration } from '../domain/duration.ts';
import { AccessError } from '../domain/errors.ts';
import { principalKey, type Person } from '../domain/identity.ts';
import type { Policy } from '../domain/policy.ts';
import { bucketText, parseBucket, takeToken } from '../domain/rate-limit.ts';
import type { AppContext } from './context.ts';
import { requesterMatches } from './list-access.ts';
import { requestRef } from '../domain/request-id.ts';

export type BucketKind = 'filing' | 'break_glass';

/** Compare-and-set attempts before a contended bucket answers "try again" (only one person's own bursts contend). */
const MAX_TRIES = 8;

export const bucketKey = (kind: BucketKind, person: Person): string => `ratelimit:${kind}:${principalKey(person)}`;

/** Take one filing token for this person, or refuse with when to try again. */
export async function takeFilingToken(ctx: Pick<AppContext, 'store' | 'clock' | 'log'>, policy: Policy, person: Person, kind: BucketKind): Promise<void> {
  const limits = policy.limits;
  if (!limits) return;
  const size = kind === 'break_glass' ? limits.breakGlassBurst : limits.burst;
  const key = bucketKey(kind, person);
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const now = ctx.clock.now();
    const stored = await ctx.store.kvGet(key);
    const taken = takeToken(parseBucket(stored), now, size, limits.refillEveryMs);
    if (!taken.ok) {
      ctx.log.warn({ person: principalKey(person), bucket: kind, retryInMs: taken.retryInMs }, 'request refused: filing rate limit');
      throw rateLimited(size, limits.refillEveryMs, taken.retryInMs, kind);
    }
    if (await ctx.store.kvSetIf(key, stored, bucketText(taken.bucket), now)) return;
  }
  ctx.log.warn({ person: principalKey(person), bucket: kind }, 'request refused: filing rate limit (contended)');
  throw rateLimited(size, limits.refillEveryMs, 1_000, kind);
}

function rateLimited(size: number, refillEveryMs: number, retryInMs: number, kind: BucketKind): AccessError {
  const what = kind === 'break_glass' ? 'break-glass activations' : 'requests';
  return new AccessError(
    'rate_limited',
    `You are filing ${what} faster than accessbot allows (${size} in a row, then one every ${formatDuration(refillEveryMs)}). Try again in ${formatDuration(Math.max(1_000, retryInMs))}.`,
  );
}

/** Refuse when this person already has as many requests awaiting approval as the policy allows. */
export async function checkOpenRequests(uow: UnitOfWork, policy: Policy, person: Person, log: AppContext['log']): Promise<void> {
  const match = requesterMatches(person);
  if (!match || !policy.limits) return;
  const max = policy.limits.maxOpenRequests;
  const open = await uow.pendingRequestIdsOf(match);
  if (open.length < max) return;
  log.warn({ person: principalKey(person), open: open.length, max }, 'request refused: too many open requests');
  throw new AccessError(
    'too_many_open',
    `You already have ${open.length} requests waiting for approval, the most accessbot takes from one person at once. Wait for a decision or withdraw one (your newest is ${requestRef(open[0]!)}).`,
    { kind: 'cancel_open', requestId: open[0]! },
  );
}
