/** The use cases chat adapters ask before they open a form or show a secret: show credentials, may review, extension room. */
import { createCipheriv, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { extensionRoom } from '../../../src/app/extension-room.ts';
import { mayReview } from '../../../src/app/may-review.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { showCredentials } from '../../../src/app/show-credentials.ts';
import { extensionRoomMs } from '../../../src/domain/grant-rules.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { isUnboundSeal } from '../../../src/providers/credential-seal.ts';
import { alice, bob, carol, dave, mallory } from '../../support/policy-fixture.ts';
import { refusal } from '../../support/refusal.ts';
import { asRequestId, type RequestId } from '../../../src/domain/request-id.ts';

const M = 60_000;
let h: Harness;
afterEach(async () => h?.close());


/** alice holds readonly for `minutes` (approved by bob, applied at the target). */
async function activeGrant(minutes = 60): Promise<RequestId> {
  const { view } = await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: minutes * M, reason: 'checking', origin: 'test' });
  await review(h.ctx, { requestId: view.id, reviewer: bob, decision: 'approve' });
  await h.worker.idle();
  return view.id;
}

describe('showCredentials', () => {
  it('opens the sealed credentials for the holder while the access is active, for nobody else, and not after', async () => {
    h = createHarness();
    h.provider.credentials = { username: 'u1', password: 'p4ss' };
    const id = await activeGrant();
    const shown = await showCredentials(h.ctx, { requestId: id, actor: alice });
    expect(shown.credentials).toEqual({ username: 'u1', password: 'p4ss' });
    expect(shown.view.ref).toBe(`AR-${id}`);
    expect((await refusal(showCredentials(h.ctx, { requestId: id, actor: bob }))).userMessage).toBe('Only the holder of this access can see its credentials.');
    await revokeAccess(h.ctx, { requestId: id, actor: alice });
    await h.worker.idle();
    expect((await refusal(showCredentials(h.ctx, { requestId: id, actor: alice }))).userMessage).toBe(`AR-${id} has ended, so there are no credentials to show (they stopped working when it ended).`);
  });

  it('says so when there are none, or while the request still waits', async () => {
    h = createHarness();
    const id = await activeGrant();
    expect((await refusal(showCredentials(h.ctx, { requestId: id, actor: alice }))).userMessage).toBe(`AR-${id} has no credentials to show.`);
    const { view } = await requestAccess(h.ctx, { roleName: 'writer', requester: alice, durationMs: 60 * M, reason: 'fix', ticket: 'INC-1', origin: 'test' });
    expect((await refusal(showCredentials(h.ctx, { requestId: view.id, actor: alice }))).userMessage).toBe(`AR-${view.id} is still waiting for approval, so there are no credentials to show.`);
    expect((await refusal(showCredentials(h.ctx, { requestId: asRequestId(99), actor: alice }))).code).toBe('not_found');
  });
});

describe('showCredentials: sealed credentials are bound to their grant', () => {
  /** `who` holds readonly with these credentials (auto-approved, applied at the target). */
  async function holding(who: typeof alice, credentials: Record<string, string>): Promise<RequestId> {
    h.provider.credentials = credentials;
    const { view } = await requestAccess(h.ctx, { roleName: 'readonly', requester: who, durationMs: 10 * M, reason: 'checking', origin: 'test' });
    await h.worker.idle();
    return view.id;
  }
  const sealedOf = async (requestId: RequestId) => (await h.store.grantOfRequest(requestId))!;
  const setCredentials = (grantId: string, credentials: string) => h.store.tx((uow) => uow.updateGrant(grantId, { status: 'active' }, { credentials }));

  it("credentials copied onto another grant's row do not open for that grant's holder", async () => {
    h = createHarness();
    const alices = await holding(alice, { username: 'alice_u', password: 'alice-only' });
    const carols = await holding(carol, { username: 'carol_u', password: 'carol-only' });
    expect((await showCredentials(h.ctx, { requestId: carols, actor: carol })).credentials.password).toBe('carol-only');
    // Someone with write access to the database swaps alice's sealed credentials into carol's grant.
    await setCredentials((await sealedOf(carols)).id, (await sealedOf(alices)).credentials!);
    await expect(showCredentials(h.ctx, { requestId: carols, actor: carol })).rejects.toThrow(/sealed for another grant/);
    expect((await showCredentials(h.ctx, { requestId: alices, actor: alice })).credentials.password).toBe('alice-only');
  });

  it('rows sealed before the binding (v1) still open for their holder, and are re-sealed bound', async () => {
    h = createHarness();
    const id = await holding(alice, { username: 'u', password: 'p' });
    const grant = await sealedOf(id);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', h.ctx.secretKey!, iv);
    const ct = Buffer.concat([cipher.update(JSON.stringify({ username: 'u', password: 'from-before' }), 'utf8'), cipher.final()]);
    await setCredentials(grant.id, ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.'));

    expect((await showCredentials(h.ctx, { requestId: id, actor: alice })).credentials).toEqual({ username: 'u', password: 'from-before' });
    const resealed = (await sealedOf(id)).credentials!;
    expect(resealed).toMatch(/^v2\./);
    expect(isUnboundSeal(resealed)).toBe(false);
    expect((await showCredentials(h.ctx, { requestId: id, actor: alice })).credentials).toEqual({ username: 'u', password: 'from-before' });
  });
});

describe('extensionRoom', () => {
  it('is what the role maximum leaves, by the same arithmetic as the extension itself', async () => {
    h = createHarness();
    const id = await activeGrant(60);
    const room = await extensionRoom(h.ctx, { requestId: id, actor: alice });
    expect(room.maxExtraMs).toBe(3 * 60 * M);
    expect(extensionRoomMs({ maxDurationMs: 4 * 60 * M }, { startsAt: 0, expiresAt: 60 * M })).toBe(room.maxExtraMs);
    expect((await refusal(extensionRoom(h.ctx, { requestId: id, actor: bob }))).userMessage).toBe('Only the holder of this access can ask to extend it.');
  });

  it('refuses when the access already lasts the longest the role allows, or has ended (with a hint to ask anew)', async () => {
    h = createHarness();
    const full = await activeGrant(4 * 60);
    expect((await refusal(extensionRoom(h.ctx, { requestId: full, actor: alice }))).code).toBe('extend_too_long');
    await revokeAccess(h.ctx, { requestId: full, actor: alice });
    await h.worker.idle();
    const ended = await refusal(extensionRoom(h.ctx, { requestId: full, actor: alice }));
    expect(ended.userMessage).toBe(`AR-${full} has ended, so it cannot be extended.`);
    expect(ended.hint).toEqual({ kind: 'new_request' });
  });
});

describe('mayReview', () => {
  it('runs the review rule without writing: eligible approvers pass, the requester (an approver too) is pointed to cancel', async () => {
    h = createHarness();
    const { view } = await requestAccess(h.ctx, { roleName: 'writer', requester: dave, durationMs: 60 * M, reason: 'fix', ticket: 'INC-1', origin: 'test' });
    expect((await mayReview(h.ctx, { requestId: view.id, reviewer: bob, decision: 'deny' })).id).toBe(view.id);
    const own = await refusal(mayReview(h.ctx, { requestId: view.id, reviewer: dave, decision: 'deny' }));
    expect(own).toMatchObject({ code: 'self_approval', hint: { kind: 'cancel_instead' } });
    expect(own.userMessage).not.toMatch(/\//);
    expect((await refusal(mayReview(h.ctx, { requestId: view.id, reviewer: mallory, decision: 'deny' }))).code).toBe('not_approver');
    expect(await h.store.reviewsOf(view.id)).toEqual([]);
  });
});
