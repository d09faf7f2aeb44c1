/**
 * Random interleavings of request / approve / deny / cancel / expire / revoke / extend by random people,
 * through the real use cases and database. Invariants are checked after every step and at the end.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { GrantRecord, RequestRecord, ReviewRecord } from '../../../db/store/port.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { cancelRequest } from '../../../src/app/cancel.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { requestExtension } from '../../../src/app/extend.ts';
import { expireLapsedRequests, startDueRevokes } from '../../../src/app/expire.ts';
import { dueGrantIds, settleGrant } from '../../../src/app/grant-executor.ts';
import { isAccessError } from '../../../src/domain/errors.ts';
import { isMember, samePerson } from '../../../src/domain/identity.ts';
import { alice, bob, carol, dave, mallory } from '../../support/policy-fixture.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

const M = 60_000;
const PEOPLE = [alice, bob, carol, dave, mallory];
const ROLES = ['readonly', 'writer', 'breakglass'] as const;

type Op =
  | { kind: 'file'; who: number; role: number; minutes: number; breakGlass: boolean }
  | { kind: 'review'; who: number; target: number; approve: boolean }
  | { kind: 'cancel'; who: number; target: number }
  | { kind: 'revoke'; who: number; target: number }
  | { kind: 'extend'; who: number; target: number; minutes: number }
  | { kind: 'wait'; minutes: number };

const person = fc.integer({ min: 0, max: PEOPLE.length - 1 });
const target = fc.integer({ min: 0, max: 7 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('file' as const), who: person, role: fc.integer({ min: 0, max: 2 }), minutes: fc.integer({ min: 1, max: 300 }), breakGlass: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('review' as const), who: person, target, approve: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), who: person, target }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), who: person, target }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), who: person, target, minutes: fc.integer({ min: 1, max: 120 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 90 }) }) },
);

/** Every request, in id order (ids are sequential from 1: a rolled-back insert does not consume one). */
async function allRequests(h: Harness): Promise<RequestRecord[]> {
  const all: RequestRecord[] = [];
  for (let id = 1; ; id++) {
    const request = await h.store.getRequest(asRequestId(id));
    if (!request) return all;
    all.push(request);
  }
}

/** Every grant (each belongs to exactly one request). */
async function allGrants(h: Harness, reqs: readonly RequestRecord[]): Promise<GrantRecord[]> {
  const all: GrantRecord[] = [];
  for (const r of reqs) {
    const grant = await h.store.grantOfRequest(r.id);
    if (grant) all.push(grant);
  }
  return all;
}

async function sweep(h: Harness): Promise<void> {
  await expireLapsedRequests(h.ctx);
  await startDueRevokes(h.ctx);
  await h.worker.idle();
  for (const id of await dueGrantIds(h.ctx)) await settleGrant(h.ctx, id);
  await h.worker.idle();
}

async function apply(h: Harness, step: Op): Promise<void> {
  const ids = (await allRequests(h)).map((r) => r.id);
  const pick = (n: number) => ids[n % Math.max(1, ids.length)] ?? asRequestId(1);
  try {
    switch (step.kind) {
      case 'file':
        await requestAccess(h.ctx, { roleName: ROLES[step.role]!, requester: PEOPLE[step.who]!, durationMs: step.minutes * M, reason: 'prop', ticket: 'INC-1', breakGlass: step.breakGlass, origin: 'test' });
        break;
      case 'review':
        await review(h.ctx, { requestId: pick(step.target), reviewer: PEOPLE[step.who]!, decision: step.approve ? 'approve' : 'deny' });
        break;
      case 'cancel':
        await cancelRequest(h.ctx, { requestId: pick(step.target), actor: PEOPLE[step.who]! });
        break;
      case 'revoke':
        await revokeAccess(h.ctx, { requestId: pick(step.target), actor: PEOPLE[step.who]! });
        break;
      case 'extend':
        await requestExtension(h.ctx, { requestId: pick(step.target), actor: PEOPLE[step.who]!, durationMs: step.minutes * M, origin: 'test' });
        break;
      case 'wait':
        h.clock.advance(step.minutes * M);
        break;
    }
  } catch (error) {
    if (!isAccessError(error)) throw error;
  }
  await h.worker.idle();
  await sweep(h);
}

async function checkInvariants(h: Harness, history: Map<number, string>): Promise<void> {
  const now = h.clock.now();
  const reqs = await allRequests(h);
  const allReviews: ReviewRecord[] = [];
  for (const r of reqs) allReviews.push(...(await h.store.reviewsOf(r.id)));
  const grants = await allGrants(h, reqs);
  for (const r of reqs) {
    const requester = { email: r.requesterEmail, slackId: r.requesterSlackId };
    const role = h.ctx.policy.roles[r.role]!;
    const mine = allReviews.filter((v) => v.requestId === r.id);
    // Nobody's review of their own request is ever recorded.
    for (const v of mine) expect(samePerson({ email: v.reviewerEmail, slackId: v.reviewerSlackId }, requester)).toBe(false);
    // Once terminal, a request never changes state again.
    const before = history.get(r.id);
    if (before && before !== 'pending') expect(r.status).toBe(before);
    history.set(r.id, r.status);
    if (r.status === 'approved' && !r.autoApproved && !r.breakGlass) {
      const approvers = new Set(mine.filter((v) => v.decision === 'approve' && isMember(role.approvers, { email: v.reviewerEmail, slackId: v.reviewerSlackId })).map((v) => v.reviewerKey));
      expect(approvers.size).toBeGreaterThanOrEqual(r.approvalsRequired);
    }
    if (r.status === 'denied') expect(mine.some((v) => v.decision === 'deny')).toBe(true);
  }
  for (const g of grants) {
    const r = reqs.find((x) => x.id === g.requestId)!;
    // A grant exists only for an approved access request; at most one per request (unique index).
    expect(r.status).toBe('approved');
    expect(r.kind).toBe('access');
    // No grant outlives its expiry once time passes it (the sweep ran).
    if (g.expiresAt <= now) expect(['revoked', 'failed']).toContain(g.status);
    // Active at the target exactly when active in the database.
    expect(h.provider.held.has(g.id)).toBe(g.status === 'active');
    // Extensions never push a grant past the role's maximum.
    expect(g.expiresAt - g.startsAt).toBeLessThanOrEqual(h.ctx.policy.roles[g.role]!.maxDurationMs);
  }
}

describe('request/grant lifecycle under random interleavings', () => {
  it('keeps every invariant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const h = createHarness({ dbPath: ':memory:' });
        const history = new Map<number, string>();
        try {
          for (const step of ops) {
            await apply(h, step);
            await checkInvariants(h, history);
          }
          // Let all time pass: everything ends in exactly one terminal state, nothing is held.
          h.clock.advance(24 * 60 * M);
          await sweep(h);
          await checkInvariants(h, history);
          const reqs = await allRequests(h);
          for (const r of reqs) expect(['approved', 'denied', 'cancelled', 'expired']).toContain(r.status);
          for (const g of await allGrants(h, reqs)) expect(['revoked', 'failed']).toContain(g.status);
          expect(h.provider.held.size).toBe(0);
        } finally {
          await h.close();
        }
      }),
      { numRuns: 1000 },
    );
  }, 300_000);
});
