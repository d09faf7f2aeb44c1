/**
 * Issue 12, item 8: per-person filing limits in the core. A token bucket kept in the store (so every replica
 * draws from the same one), a cap on requests awaiting approval, and break-glass with its own room. A refused
 * request leaves nothing behind: no row, no audit event, no notice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cancelRequest } from '../../../src/app/cancel.ts';
import { requestExtension } from '../../../src/app/extend.ts';
import { requestAccess, type RequestAccessInput } from '../../../src/app/request-access.ts';
import { ManualClock } from '../../../src/domain/clock.ts';
import type { Policy } from '../../../src/domain/policy.ts';
import type { RequestLimits } from '../../../src/domain/rate-limit.ts';
import type { Store } from '../../../db/store/port.ts';
import { createContext } from '../../../src/app/context.ts';
import { silentLogger } from '../../../src/logging.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { RecordingProvider } from '../../support/recording-provider.ts';
import { storeKinds } from '../../support/stores.ts';
import { alice, bob, testPolicy } from '../../support/policy-fixture.ts';
import { refusal } from '../../support/refusal.ts';

const M = 60_000;
const H = 60 * M;
const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

function limited(limits: Partial<RequestLimits>): Policy {
  return { ...testPolicy(), limits: { burst: 3, refillEveryMs: M, maxOpenRequests: 10, breakGlassBurst: 1, ...limits } };
}

function harness(policy: Policy, options: { dbPath?: string; clock?: ManualClock } = {}): Harness {
  const h = createHarness({ policy, ...options });
  open.push(h);
  return h;
}

const pendingReadonly = (n: number, requester = alice): RequestAccessInput => ({ roleName: 'readonly', requester, durationMs: H, reason: `look ${n}`, origin: 'test' });

async function counts(h: Harness) {
  const stats = await h.store.stats();
  return { audit: stats.auditEvents, notices: stats.pendingNotices, pending: stats.pendingRequests };
}

describe('the per-person filing rate limit', () => {
  it('lets a burst of file-and-cancel through, refuses the rest with when to retry, and refills over time', async () => {
    const h = harness(limited({ burst: 3 }));
    for (let n = 0; n < 3; n++) {
      const { view } = await requestAccess(h.ctx, pendingReadonly(n));
      await cancelRequest(h.ctx, { requestId: view.id, actor: alice });
    }
    const before = await counts(h);
    const refused = await refusal(requestAccess(h.ctx, pendingReadonly(4)));
    expect(refused.code).toBe('rate_limited');
    expect(refused.userMessage).toBe('You are filing requests faster than accessbot allows (3 in a row, then one every 1m). Try again in 1m.');
    // Nothing stored, nothing queued for chat.
    expect(await counts(h)).toEqual(before);

    // Someone else is not held up by alice's bucket.
    await requestAccess(h.ctx, pendingReadonly(5, bob));

    h.clock.advance(40_000);
    expect((await refusal(requestAccess(h.ctx, pendingReadonly(6)))).userMessage).toContain('Try again in 20s.');
    h.clock.advance(20_000);
    await requestAccess(h.ctx, pendingReadonly(7));
    expect((await refusal(requestAccess(h.ctx, pendingReadonly(8)))).code).toBe('rate_limited');
  });

  it('is shared by replicas: two contexts over one database draw from one bucket', async () => {
    const clock = new ManualClock();
    const a = harness(limited({ burst: 4 }), { clock });
    const b = harness(limited({ burst: 4 }), { clock, dbPath: a.dbPath });
    const outcomes: string[] = [];
    for (let n = 0; n < 8; n++) {
      const ctx = n % 2 === 0 ? a.ctx : b.ctx;
      try {
        const { view } = await requestAccess(ctx, pendingReadonly(n));
        await cancelRequest(ctx, { requestId: view.id, actor: alice });
        outcomes.push('filed');
      } catch (error) {
        outcomes.push((error as { code: string }).code);
      }
    }
    expect(outcomes).toEqual(['filed', 'filed', 'filed', 'filed', 'rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
    // Filing at the same moment on both: still only what the bucket holds.
    clock.advance(2 * M);
    const racing = await Promise.allSettled(Array.from({ length: 6 }, (_, n) => requestAccess(n % 2 === 0 ? a.ctx : b.ctx, pendingReadonly(n))));
    const codes = racing.map((r) => (r.status === 'fulfilled' ? 'filed' : (r.reason as { code: string }).code));
    // Every attempt passed the policy's checks, so each asked for a token: two got one (one filed, one found it
    // already pending), the other four were rate limited.
    expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(4);
    expect(codes.filter((c) => c === 'filed')).toHaveLength(1);
  });
});

describe.each(await storeKinds())('the bucket shared through the store: $kind', ({ skip, fresh }) => {
  it.skipIf(skip)('two replicas filing at the same moment get exactly the burst between them', async () => {
    const database = await fresh();
    const a = await database.open();
    const b = await database.open({ migrate: false });
    try {
      const clock = new ManualClock();
      const policy = limited({ burst: 3, maxOpenRequests: 100 });
      const replica = (store: Store, instanceId: string) => createContext({ store, policy, log: silentLogger(), providers: new Map([['orders-db', new RecordingProvider()]]), instanceId, clock });
      const [ctxA, ctxB] = [replica(a, 'a'), replica(b, 'b')];
      const roles = ['readonly', 'writer', 'breakglass'];
      // Nine attempts at once, alternating replicas: each takes a token before anything else, so six are refused.
      const attempts = Array.from({ length: 9 }, (_, n) =>
        requestAccess(n % 2 === 0 ? ctxA : ctxB, { roleName: roles[n % 3]!, requester: alice, durationMs: H, reason: `n${n}`, ticket: 'INC-1', origin: 'test' }).then(
          () => 'filed',
          (error: { code: string }) => error.code,
        ),
      );
      const codes = await Promise.all(attempts);
      expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(6);
      expect((await a.stats()).pendingRequests).toBe(codes.filter((c) => c === 'filed').length);
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  });
});

describe('extension requests', () => {
  it('draw from the same bucket as new requests', async () => {
    const h = harness(limited({ burst: 1 }));
    const { view } = await requestAccess(h.ctx, { ...pendingReadonly(1), durationMs: 10 * M });
    await h.worker.idle();
    const refused = await refusal(requestExtension(h.ctx, { requestId: view.id, actor: alice, durationMs: 30 * M, origin: 'test' }));
    expect(refused.code).toBe('rate_limited');
    h.clock.advance(M);
    await requestExtension(h.ctx, { requestId: view.id, actor: alice, durationMs: 30 * M, origin: 'test' });
  });
});

describe('the cap on open requests', () => {
  it('refuses a request while the person has as many awaiting approval as allowed, and names one to withdraw', async () => {
    const h = harness(limited({ burst: 100, maxOpenRequests: 2 }));
    const first = await requestAccess(h.ctx, { roleName: 'breakglass', requester: alice, durationMs: H, reason: 'first', origin: 'test' });
    const second = await requestAccess(h.ctx, { roleName: 'writer', requester: alice, durationMs: H, reason: 'fix', ticket: 'INC-1', origin: 'test' });
    const before = await counts(h);
    const refused = await refusal(requestAccess(h.ctx, pendingReadonly(3)));
    expect(refused.code).toBe('too_many_open');
    expect(refused.userMessage).toBe(`You already have 2 requests waiting for approval, the most accessbot takes from one person at once. Wait for a decision or withdraw one (your newest is AR-${second.view.id}).`);
    expect(refused.hint).toEqual({ kind: 'cancel_open', requestId: second.view.id });
    expect(await counts(h)).toEqual(before);

    // Something granted at once is not "open": an auto-approved request still goes through.
    const auto = await requestAccess(h.ctx, { ...pendingReadonly(3), durationMs: 10 * M });
    expect(auto.outcome).toBe('auto_approved');
    // Withdrawing one makes room.
    await cancelRequest(h.ctx, { requestId: first.view.id, actor: alice });
    expect((await requestAccess(h.ctx, { roleName: 'breakglass', requester: alice, durationMs: H, reason: 'again', origin: 'test' })).outcome).toBe('pending');
  });
});

describe('break-glass', () => {
  it('has its own bucket: ordinary filing never uses up an emergency, and break-glass is limited too', async () => {
    const h = harness(limited({ burst: 2, breakGlassBurst: 1, maxOpenRequests: 1 }));
    await requestAccess(h.ctx, pendingReadonly(1));
    expect((await refusal(requestAccess(h.ctx, { roleName: 'writer', requester: alice, durationMs: H, reason: 'x', ticket: 'INC-1', origin: 'test' }))).code).toBe('too_many_open');
    expect((await refusal(requestAccess(h.ctx, pendingReadonly(3)))).code).toBe('rate_limited');
    // Bucket empty and the open cap reached: break-glass still goes through (granted at once, never open).
    const glass = await requestAccess(h.ctx, { roleName: 'breakglass', requester: alice, durationMs: H, reason: 'outage', breakGlass: true, origin: 'test' });
    expect(glass.outcome).toBe('break_glass');
    const again = await refusal(requestAccess(h.ctx, { roleName: 'breakglass', requester: alice, durationMs: H, reason: 'outage again', breakGlass: true, origin: 'test' }));
    expect(again.code).toBe('rate_limited');
    expect(again.userMessage).toContain('You are filing break-glass activations faster than accessbot allows (1 in a row, then one every 1m).');
  });
});
