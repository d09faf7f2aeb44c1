import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import { grants } from '../../../db/schema.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { countOverdueRevokes, isRevokeOverdue } from '../../../src/scheduler/index.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice, bob, carol } from '../../support/policy-fixture.ts';
import { fileGrant, grantRow, M } from './support.ts';

let h: Harness;
afterEach(async () => h?.close());

describe('countOverdueRevokes', () => {
  it('counts grants a minute past expiry and early revokes a minute unconfirmed, not ones in time', async () => {
    h = createHarness();
    const expiring = fileGrant(h, 5 * M, alice);
    const early = fileGrant(h, 14 * M, bob);
    await h.worker.idle();
    h.provider.failNext('revoke', 100);
    revokeAccess(h.ctx, { requestId: grantRow(h, early).requestId, actor: bob });
    await h.worker.idle();
    expect(grantRow(h, early).status).toBe('revoking');
    expect(countOverdueRevokes(h.ctx)).toBe(0);
    h.clock.advance(60_001);
    expect(countOverdueRevokes(h.ctx)).toBe(1); // the early revoke
    h.clock.advance(5 * M);
    expect(grantRow(h, expiring).status).toBe('active'); // nobody swept: still counts, access outlived its expiry
    expect(countOverdueRevokes(h.ctx)).toBe(2);
  });

  it('isRevokeOverdue (for views) agrees with the count (for /healthz) on any grant', async () => {
    h = createHarness();
    const ids = [fileGrant(h, 10 * M, alice), fileGrant(h, 10 * M, bob), fileGrant(h, 10 * M, carol)];
    await h.worker.idle();
    const now = h.clock.now();
    const grantState = fc.record({
      status: fc.constantFrom('granting', 'active', 'revoking', 'revoked', 'failed'),
      expiresAt: fc.integer({ min: now - 3 * M, max: now + 3 * M }),
      revokeRequestedAt: fc.option(fc.integer({ min: now - 3 * M, max: now }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.tuple(grantState, grantState, grantState), (states) => {
        states.forEach((state, i) => h.db.orm.update(grants).set(state).where(eq(grants.id, ids[i]!)).run());
        expect(states.filter((state) => isRevokeOverdue(state, now)).length).toBe(countOverdueRevokes(h.ctx));
      }),
      { numRuns: 300 },
    );
  });
});
