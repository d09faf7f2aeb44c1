/**
 * A scripted day of access, driven through the real use cases on a manual clock, for the digest tests:
 * approvals, auto-approval, an early revoke, a late expiry revoke, break-glass, a denial with a reason, a
 * cancelled and a lapsed request, a failed grant, a failing revoke, a grant carried in from before the window
 * and one still active at its end.
 */
import { cancelRequest } from '../../../src/app/cancel.ts';
import { expireLapsedRequests, startDueRevokes } from '../../../src/app/expire.ts';
import { dueGrantIds, settleGrant } from '../../../src/app/grant-executor.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { alice, bob, carol, dave } from '../../support/policy-fixture.ts';
import type { Harness } from '../../support/core-harness.ts';

export const M = 60_000;
export const H = 60 * M;
/** Mon 5 Jan 2026, 09:00 Europe/Berlin (08:00 UTC). */
export const SINCE = Date.UTC(2026, 0, 5, 8, 0, 0);
export const UNTIL = SINCE + 24 * H;

async function settleDue(h: Harness): Promise<void> {
  await h.worker.idle();
  for (const id of await dueGrantIds(h.ctx)) await settleGrant(h.ctx, id);
  await h.worker.idle();
}

export interface Story {
  refs: Record<'carried' | 'approved' | 'early' | 'breakGlass' | 'denied' | 'cancelled' | 'lapsed' | 'failed' | 'stuck' | 'open', string>;
}

export async function playStory(h: Harness): Promise<Story> {
  const ref = (id: number): string => `AR-${id}`;
  // 07:00 local, before the window: carol gets writer for 4h with two approvals (ends inside the window).
  h.clock.set(SINCE - 2 * H);
  const carried = (await requestAccess(h.ctx, { roleName: 'writer', requester: carol, durationMs: 4 * H, reason: 'migrate orders table', ticket: 'INC-1', origin: 'test' })).view;
  await review(h.ctx, { requestId: carried.id, reviewer: bob, decision: 'approve' });
  await review(h.ctx, { requestId: carried.id, reviewer: dave, decision: 'approve' });
  await h.worker.idle();

  // 09:10: alice asks for readonly 30m, bob approves; it expires on time at 09:40.
  h.clock.set(SINCE + 10 * M);
  const approved = (await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 30 * M, reason: 'checking INC-123', origin: 'test' })).view;
  await review(h.ctx, { requestId: approved.id, reviewer: bob, decision: 'approve', note: 'ok' });
  await h.worker.idle();
  h.clock.set(SINCE + 40 * M);
  await startDueRevokes(h.ctx);
  await h.worker.idle();

  // 10:00: bob gets readonly 10m auto-approved; carol revokes it early at 10:05.
  h.clock.set(SINCE + H);
  const early = (await requestAccess(h.ctx, { roleName: 'readonly', requester: bob, durationMs: 10 * M, reason: 'peek at a row', origin: 'test' })).view;
  await h.worker.idle();
  h.clock.set(SINCE + H + 5 * M);
  await revokeAccess(h.ctx, { requestId: early.id, actor: carol, reason: 'done' });
  await h.worker.idle();

  // 11:00: carol's writer grant from before the window expires on time; dave uses break-glass for 1h, and
  // its expiry is only noticed 42 s late.
  h.clock.set(SINCE + 2 * H);
  await startDueRevokes(h.ctx);
  await h.worker.idle();
  const breakGlass = (await requestAccess(h.ctx, { roleName: 'breakglass', requester: dave, reason: 'prod down', breakGlass: true, origin: 'test' })).view;
  await h.worker.idle();
  h.clock.set(SINCE + 3 * H + 42_000);
  await startDueRevokes(h.ctx);
  await h.worker.idle();

  // 12:00: bob's writer request is denied by carol with a reason; alice cancels hers; carol's lapses.
  h.clock.set(SINCE + 4 * H);
  const denied = (await requestAccess(h.ctx, { roleName: 'writer', requester: bob, reason: 'schema change', ticket: 'INC-2', origin: 'test' })).view;
  await review(h.ctx, { requestId: denied.id, reviewer: carol, decision: 'deny', note: 'not during the sale' });
  const cancelled = (await requestAccess(h.ctx, { roleName: 'writer', requester: alice, reason: 'oops', ticket: 'INC-3', origin: 'test' })).view;
  await cancelRequest(h.ctx, { requestId: cancelled.id, actor: alice });
  const lapsed = (await requestAccess(h.ctx, { roleName: 'writer', requester: carol, reason: 'cleanup', ticket: 'INC-4', origin: 'test' })).view;
  h.clock.set(SINCE + 5 * H);
  await expireLapsedRequests(h.ctx);

  // 14:00: the target refuses alice's auto-approved readonly grant outright.
  h.clock.set(SINCE + 6 * H);
  h.provider.failNext('grant', 1, false);
  const failed = (await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 5 * M, reason: 'quick look', origin: 'test' })).view;
  await h.worker.idle();

  // 15:00: carol's readonly 15m; its revoke fails twice before it works.
  h.clock.set(SINCE + 7 * H);
  const stuck = (await requestAccess(h.ctx, { roleName: 'readonly', requester: carol, durationMs: 15 * M, reason: 'report', origin: 'test' })).view;
  await h.worker.idle();
  h.provider.failNext('revoke', 2);
  h.clock.set(SINCE + 7 * H + 15 * M);
  await startDueRevokes(h.ctx);
  await h.worker.idle();
  for (let i = 0; i < 3; i++) {
    h.clock.advance(M);
    await settleDue(h);
  }

  // 08:50 next day: bob's readonly 15m is still active when the window closes.
  h.clock.set(UNTIL - 10 * M);
  const open = (await requestAccess(h.ctx, { roleName: 'readonly', requester: bob, durationMs: 15 * M, reason: 'morning check', origin: 'test' })).view;
  await h.worker.idle();
  h.clock.set(UNTIL);

  return {
    refs: {
      carried: ref(carried.id),
      approved: ref(approved.id),
      early: ref(early.id),
      breakGlass: ref(breakGlass.id),
      denied: ref(denied.id),
      cancelled: ref(cancelled.id),
      lapsed: ref(lapsed.id),
      failed: ref(failed.id),
      stuck: ref(stuck.id),
      open: ref(open.id),
    },
  };
}
