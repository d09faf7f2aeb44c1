/**
 * Who may act is checked before anything is said about a request: someone who may not revoke, cancel, extend,
 * review or see the credentials of a request gets the same answer whatever state it is in — pending, denied,
 * cancelled, active, revoked, or of a role that has left the policy. Only those who may act learn the state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cancelRequest } from '../../../src/app/cancel.ts';
import { requestExtension } from '../../../src/app/extend.ts';
import { extensionRoom } from '../../../src/app/extension-room.ts';
import { mayReview } from '../../../src/app/may-review.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { showCredentials } from '../../../src/app/show-credentials.ts';
import { AccessError } from '../../../src/domain/errors.ts';
import type { Person } from '../../../src/domain/identity.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice, bob, carol, dave, defaultRoles, mallory, testPolicy } from '../../support/policy-fixture.ts';
import { refusal } from '../../support/refusal.ts';
import type { RequestId } from '../../../src/domain/request-id.ts';

const M = 60_000;
let h: Harness;
afterEach(async () => h?.close());


/** One request in each state; the last one's role is then removed from the policy. */
async function requestsInEveryState(): Promise<Record<string, RequestId>> {
  const file = async (roleName: string, requester: Person, minutes = 60) =>
    (await requestAccess(h.ctx, { roleName, requester, durationMs: minutes * M, reason: 'x', ticket: 'INC-1', origin: 'test' })).view.id;
  const pending = await file('writer', alice);
  const denied = await file('readonly', alice); // past the auto-approval band: it waits
  await review(h.ctx, { requestId: denied, reviewer: bob, decision: 'deny', note: 'no' });
  const cancelled = await file('writer', carol);
  await cancelRequest(h.ctx, { requestId: cancelled, actor: carol });
  const active = await file('readonly', alice, 10);
  const revoked = await file('readonly', carol, 10);
  await h.worker.idle();
  await revokeAccess(h.ctx, { requestId: revoked, actor: carol });
  const roleGone = await file('breakglass', dave);
  await review(h.ctx, { requestId: roleGone, reviewer: bob, decision: 'approve' });
  await h.worker.idle();
  h.ctx.policy = testPolicy(defaultRoles().filter((role) => role.name !== 'breakglass'));
  return { pending, denied, cancelled, active, revoked, roleGone };
}

const STATE_WORDS = /pending|waiting|approved|denied|cancelled|active|ended|revoked|being|granted|no access|no longer|AR-\d/;

describe('someone who may not act learns nothing about the request', () => {
  it('revoke, cancel, extend, show credentials, the extension form: one answer for every state', async () => {
    h = createHarness();
    h.provider.credentials = { username: 'u', password: 'p' };
    const ids = Object.values(await requestsInEveryState());
    const answers = {
      revoke: ids.map((requestId) => refusal(revokeAccess(h.ctx, { requestId, actor: mallory }))),
      cancel: ids.map((requestId) => refusal(cancelRequest(h.ctx, { requestId, actor: mallory }))),
      extend: ids.map((requestId) => refusal(requestExtension(h.ctx, { requestId, actor: mallory, durationMs: 10 * M, origin: 'test' }))),
      credentials: ids.map((requestId) => refusal(showCredentials(h.ctx, { requestId, actor: mallory }))),
      extensionRoom: ids.map((requestId) => refusal(extensionRoom(h.ctx, { requestId, actor: mallory }))),
    };
    const said = async (refusals: Promise<AccessError>[]) => [...new Set((await Promise.all(refusals)).map((e) => `${e.code}: ${e.userMessage}`))];
    expect(await said(answers.revoke)).toEqual(['not_allowed: Only the holder of this access or an approver of its role can revoke it.']);
    expect(await said(answers.cancel)).toEqual(['not_allowed: Only the person who filed a request can cancel it.']);
    expect(await said(answers.extend)).toEqual(['not_allowed: Only the holder of this access can ask to extend it.']);
    expect(await said(answers.credentials)).toEqual(['not_allowed: Only the holder of this access can see its credentials.']);
    expect(await said(answers.extensionRoom)).toEqual(['not_allowed: Only the holder of this access can ask to extend it.']);
  });

  it('review and the review check before a form: "not an approver", never the state', async () => {
    h = createHarness();
    const ids = await requestsInEveryState();
    for (const [state, requestId] of Object.entries(ids)) {
      for (const decision of ['approve', 'deny'] as const) {
        for (const answer of [await refusal(review(h.ctx, { requestId, reviewer: mallory, decision })), await refusal(mayReview(h.ctx, { requestId, reviewer: mallory, decision }))]) {
          if (state === 'roleGone') expect(answer.userMessage).toBe('Nobody can review this request: its role is no longer in the policy.');
          else expect(answer.userMessage).toMatch(/^You are not an approver for "(writer|breakglass|readonly)"\.$/);
        }
      }
    }
    // The role gone, its former approver is told no more than anyone else.
    expect((await refusal(review(h.ctx, { requestId: ids.roleGone!, reviewer: bob, decision: 'approve' }))).userMessage).toBe('Nobody can review this request: its role is no longer in the policy.');
    // A pending request of a role still in the policy: those outside it hear nothing of its state.
    expect((await refusal(revokeAccess(h.ctx, { requestId: ids.pending!, actor: mallory }))).userMessage).not.toMatch(STATE_WORDS);
    expect((await refusal(requestExtension(h.ctx, { requestId: ids.pending!, actor: mallory, durationMs: M, origin: 'test' }))).userMessage).not.toMatch(STATE_WORDS);
  });

  it('those who may act still hear the state', async () => {
    h = createHarness();
    const ids = await requestsInEveryState();
    const pending = ids.pending!;
    expect((await refusal(revokeAccess(h.ctx, { requestId: pending, actor: alice }))).userMessage).toBe(`AR-${pending} has no access to revoke (it is pending).`);
    expect((await refusal(revokeAccess(h.ctx, { requestId: pending, actor: bob }))).userMessage).toBe(`AR-${pending} has no access to revoke (it is pending).`);
    expect((await refusal(requestExtension(h.ctx, { requestId: pending, actor: alice, durationMs: M, origin: 'test' }))).userMessage).toBe(`AR-${pending} has no access to extend.`);
    expect((await refusal(cancelRequest(h.ctx, { requestId: ids.denied!, actor: alice }))).userMessage).toBe('This request is already denied; nothing to cancel.');
    expect((await refusal(review(h.ctx, { requestId: ids.denied!, reviewer: carol, decision: 'approve' }))).userMessage).toBe('This request was already denied by bob.');
    expect((await refusal(revokeAccess(h.ctx, { requestId: ids.revoked!, actor: carol }))).userMessage).toBe('This access has already ended.');
    expect((await refusal(requestExtension(h.ctx, { requestId: ids.roleGone!, actor: dave, durationMs: M, origin: 'test' }))).userMessage).toBe('The role "breakglass" is no longer in the policy.');
    // The holder may still end access whose role has gone.
    await revokeAccess(h.ctx, { requestId: ids.roleGone!, actor: dave });
  });
});
