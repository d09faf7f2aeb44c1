import { afterEach, describe, expect, it } from 'vitest';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { countOverdueRevokes } from '../../../src/scheduler/index.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice, bob } from '../../support/policy-fixture.ts';
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
});
