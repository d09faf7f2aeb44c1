/** The batched final step of revokes (src/app/revoke-commit.ts): per-grant outcomes, audit events and holders' lists. */
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRow, GrantRecord } from '../../../db/store/port.ts';
import { finishRevokes } from '../../../src/app/revoke-commit.ts';
import { verifyAuditChain } from '../../../src/audit/verify.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';

let h: Harness;
afterEach(async () => h?.close());

/** A grant being revoked, leased by `owner`, with its request (held by `holder`). */
async function revoking(id: string, holder: string, owner: string): Promise<GrantRecord> {
  return h.store.tx(async (uow) => {
    const request = await uow.insertRequest({ kind: 'access', role: 'readonly', resource: 'orders-db', requesterKey: holder, requesterEmail: holder, requesterSlackId: null, requesterTeamsId: null, requesterName: null, durationMs: 60_000, reason: 'batch', ticket: null, breakGlass: false, autoApproved: true, approvalsRequired: 1, status: 'approved', origin: 'test', createdAt: 1, lapsesAt: 2 });
    await uow.insertGrant({ id, requestId: request.id, role: 'readonly', resource: 'orders-db', status: 'active', startsAt: 1, expiresAt: 100, nextAttemptAt: null, createdAt: 1, updatedAt: 1 });
    return (await uow.updateGrant(id, { status: 'active' }, { status: 'revoking', revokeReason: 'expired', revokedBy: 'system', revokeRequestedAt: 100, leaseOwner: owner, leaseUntil: 10_000 }))!;
  });
}

describe('finishRevokes', () => {
  it('records each revoke in the batch as its own compare-and-set, events and list entries in order; a grant no longer ours records nothing', async () => {
    h = createHarness();
    const mine = h.ctx.instanceId;
    const first = await revoking('g1', 'alice@example.com', mine);
    const taken = await revoking('g2', 'bob@example.com', 'another-replica');
    const second = await revoking('g3', 'alice@example.com', mine);
    await h.store.tx((uow) => uow.kvPut('grant-activity:g3', JSON.stringify({ sessions: [{ startedAt: '2026-01-01T00:00:00.000Z', client: '10.0.0.7', application: 'psql', database: 'orders' }], summary: null }), 1));
    const item = (grant: GrantRecord, now: number) => ({ ctx: h.ctx, grant, requesterKey: grant.id === 'g2' ? 'bob@example.com' : 'alice@example.com', detail: { user: grant.id }, activity: undefined, now });
    const results = await h.store.tx((uow) => finishRevokes.run(uow, [item(first, 150), item(taken, 151), item(second, 152)]));
    expect(results).toEqual([true, false, true]);
    expect(await h.store.getGrant('g1')).toMatchObject({ status: 'revoked', revokedAt: 150, leaseOwner: null });
    expect(await h.store.getGrant('g2')).toMatchObject({ status: 'revoking', leaseOwner: 'another-replica' });
    expect(await h.store.getGrant('g3')).toMatchObject({ status: 'revoked', revokedAt: 152 });
    const rows: AuditRow[] = [];
    for await (const row of h.store.auditRows()) rows.push(row);
    expect(rows.map((r) => `${r.action} ${r.grantId}`)).toEqual(['grant.revoked g1', 'grant.activity g3', 'grant.revoked g3']);
    expect(JSON.parse(rows[0]!.details)).toMatchObject({ user: 'g1', reason: 'expired', late_ms: 50 });
    expect((await verifyAuditChain(h.store)).ok).toBe(true);
    // Alice's list: her latest ended grant first; Bob's untouched.
    expect(JSON.parse((await h.store.kvGet('ended-grants:alice@example.com'))!)).toEqual([second.requestId, first.requestId]);
    expect(await h.store.kvGet('ended-grants:bob@example.com')).toBeNull();
  });
});
