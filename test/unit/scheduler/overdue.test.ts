import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { countOverdueRevokes } from '../../../src/app/overdue.ts';
import { isRevokeOverdue } from '../../../src/domain/thresholds.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice, bob, carol } from '../../support/policy-fixture.ts';
import { fileGrant, grantRow, M } from './support.ts';

let h: Harness;
afterEach(async () => h?.close());

describe('countOverdueRevokes', () => {
  it('counts grants a minute past expiry and early revokes a minute unconfirmed, not ones in time', async () => {
    h = createHarness();
    const expiring = await fileGrant(h, 5 * M, alice);
    const early = await fileGrant(h, 14 * M, bob);
    await h.worker.idle();
    h.provider.failNext('revoke', 100);
    await revokeAccess(h.ctx, { requestId: (await grantRow(h, early)).requestId, actor: bob });
    await h.worker.idle();
    expect((await grantRow(h, early)).status).toBe('revoking');
    expect(await countOverdueRevokes(h.ctx)).toBe(0);
    h.clock.advance(60_001);
    expect(await countOverdueRevokes(h.ctx)).toBe(1); // the early revoke
    h.clock.advance(5 * M);
    expect((await grantRow(h, expiring)).status).toBe('active'); // nobody swept: still counts, access outlived its expiry
    expect(await countOverdueRevokes(h.ctx)).toBe(2);
  });

  it('isRevokeOverdue (for views) agrees with the count (for /healthz) on any grant', async () => {
    h = createHarness();
    const ids = [await fileGrant(h, 10 * M, alice), await fileGrant(h, 10 * M, bob), await fileGrant(h, 10 * M, carol)];
    await h.worker.idle();
    const now = h.clock.now();
    const grantState = fc.record({
      status: fc.constantFrom('granting', 'active', 'revoking', 'revoked', 'failed'),
      expiresAt: fc.integer({ min: now - 3 * M, max: now + 3 * M }),
      revokeRequestedAt: fc.option(fc.integer({ min: now - 3 * M, max: now }), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(fc.tuple(grantState, grantState, grantState), async (states) => {
        await h.store.tx(async (uow) => {
          for (const [i, state] of states.entries()) await uow.updateGrant(ids[i]!, {}, state);
        });
        expect(states.filter((state) => isRevokeOverdue(state, now)).length).toBe(await countOverdueRevokes(h.ctx));
      }),
      { numRuns: 300 },
    );
  });
});
