/**
 * Waiting requests (issue 14) on both stores, with a manual clock: reminder timing, no reminder after a
 * decision or to someone who already reviewed, escalation making the second group eligible only after its
 * delay, expedite once (with the signed paging hook), two replicas over one store sending each reminder once,
 * and a restart neither repeating nor losing one.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../db/store/port.ts';
import { createContext, type AppContext } from '../../../src/app/context.ts';
import { ExpediteWebhookPort } from '../../../src/app/expedite-webhook.ts';
import { dispatchOutbox } from '../../../src/app/outbox.ts';
import { loadRequestView } from '../../../src/app/request-view.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { mayReview } from '../../../src/app/may-review.ts';
import { listAwaitingReview } from '../../../src/app/list-access.ts';
import { EXPEDITE_WEBHOOK_PLATFORM, expediteRequest, sweepWaitingRequests } from '../../../src/app/waiting.ts';
import { ManualClock } from '../../../src/domain/clock.ts';
import { asRequestId, type RequestId } from '../../../src/domain/request-id.ts';
import type { WaitingRules } from '../../../src/domain/waiting.ts';
import { silentLogger } from '../../../src/logging.ts';
import { verifyAccessbotSignature } from '../../../src/providers/webhook-signature.ts';
import { alice, bob, carol, dave, role, testPolicy } from '../../support/policy-fixture.ts';
import { withCallLog } from '../../support/call-log.ts';
import { storeKinds, type TestDatabase } from '../../support/stores.ts';
import { RecordingPort } from '../../support/recording-port.ts';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function waitingPolicy(overrides: Partial<WaitingRules> = {}, approvalsRequired = 1) {
  const waiting: WaitingRules = {
    remindAfterMs: 10 * M,
    escalateAfterMs: 30 * M,
    escalation: { approvers: new Set(['dave@example.com']), channel: { slack: 'C0ESCALATE' } },
    expediteWebhook: null,
    ...overrides,
  };
  return testPolicy([role('prod', { approvers: new Set(['bob@example.com', 'carol@example.com']), approvalsRequired, requestTtlMs: 2 * 60 * M, waiting })]);
}

/** A chat port that keeps what it was given. */
async function auditActions(store: Store, action: string): Promise<{ requestId: number | null; details: Record<string, unknown> }[]> {
  const rows: { requestId: number | null; details: Record<string, unknown> }[] = [];
  for await (const row of store.auditRows()) if (row.action === action) rows.push({ requestId: row.requestId, details: JSON.parse(row.details) as Record<string, unknown> });
  return rows;
}

const kinds = await storeKinds();

describe.each(kinds)('waiting requests: $kind', ({ skip, fresh }) => {
  let database: TestDatabase | null = null;
  const stores: Store[] = [];

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => {});
    await database?.drop();
    database = null;
  });

  async function context(options: { policy?: ReturnType<typeof waitingPolicy>; clock?: ManualClock; instanceId?: string } = {}): Promise<AppContext & { clock: ManualClock }> {
    database ??= await fresh();
    const store = await database.open();
    stores.push(store);
    const clock = options.clock ?? new ManualClock(T0);
    return createContext({ store, policy: options.policy ?? waitingPolicy(), log: silentLogger(), providers: new Map(), platforms: ['slack'], instanceId: options.instanceId ?? 'replica-1', clock }) as AppContext & { clock: ManualClock };
  }

  async function file(ctx: AppContext): Promise<RequestId> {
    const { view } = await requestAccess(ctx, { roleName: 'prod', requester: alice, durationMs: 30 * M, reason: 'INC-7: orders stuck', origin: 'test' });
    return asRequestId(view.id);
  }

  async function delivered(ctx: AppContext): Promise<RecordingPort> {
    const port = new RecordingPort();
    await dispatchOutbox(ctx, [port], 500);
    return port;
  }

  it.skipIf(skip)('reminds the approvers once per interval while the request waits, and tells the requester when', async () => {
    const ctx = await context();
    const id = await file(ctx);
    const filed = (await loadRequestView(ctx.store, ctx.policy, id, ctx.clock.now()))!;
    expect(filed.waiting).toMatchObject({ asked: ['bob@example.com', 'carol@example.com'], nextReminderAt: T0 + 10 * M, escalatesAt: T0 + 30 * M, escalated: false, expeditedAt: null });

    ctx.clock.set(T0 + 10 * M - 1);
    expect(await sweepWaitingRequests(ctx)).toEqual({ reminded: 0, escalated: 0 });
    ctx.clock.set(T0 + 10 * M);
    expect(await sweepWaitingRequests(ctx)).toEqual({ reminded: 1, escalated: 0 });
    expect(await sweepWaitingRequests(ctx)).toEqual({ reminded: 0, escalated: 0 });
    ctx.clock.set(T0 + 19 * M);
    expect(await sweepWaitingRequests(ctx)).toEqual({ reminded: 0, escalated: 0 });
    ctx.clock.set(T0 + 20 * M);
    expect(await sweepWaitingRequests(ctx)).toEqual({ reminded: 1, escalated: 0 });

    const port = await delivered(ctx);
    expect(port.of('request.reminded')).toEqual([
      { type: 'request.reminded', requestId: id, round: 1, members: ['bob@example.com', 'carol@example.com'] },
      { type: 'request.reminded', requestId: id, round: 2, members: ['bob@example.com', 'carol@example.com'] },
    ]);
    expect((await auditActions(ctx.store, 'request.reminded')).map((r) => r.details)).toEqual([
      { round: 1, waited: '10m', reminded: ['bob@example.com', 'carol@example.com'] },
      { round: 2, waited: '20m', reminded: ['bob@example.com', 'carol@example.com'] },
    ]);
    // The view reads the request's reviews once: the waiting state reuses them rather than reading them again.
    const counted = withCallLog(ctx.store);
    const later = (await loadRequestView(counted.proxy, ctx.policy, id, ctx.clock.now()))!;
    expect(later.waiting?.nextReminderAt).toBe(T0 + 30 * M);
    expect(counted.calls.filter((call) => call === 'reviewsOf')).toHaveLength(1);
  });

  it.skipIf(skip)('sends no reminder once the request is decided', async () => {
    const ctx = await context();
    const id = await file(ctx);
    ctx.clock.set(T0 + 5 * M);
    await review(ctx, { requestId: id, reviewer: bob, decision: 'approve' });
    for (const at of [10, 20, 30, 40]) {
      ctx.clock.set(T0 + at * M);
      expect(await sweepWaitingRequests(ctx)).toEqual({ reminded: 0, escalated: 0 });
    }
    expect(await auditActions(ctx.store, 'request.reminded')).toEqual([]);
    expect((await loadRequestView(ctx.store, ctx.policy, id, ctx.clock.now()))!.waiting).toBeNull();
  });

  it.skipIf(skip)('does not remind someone who already reviewed', async () => {
    const ctx = await context({ policy: waitingPolicy({}, 2) });
    const id = await file(ctx);
    ctx.clock.set(T0 + 5 * M);
    await review(ctx, { requestId: id, reviewer: bob, decision: 'approve' });
    ctx.clock.set(T0 + 10 * M);
    await sweepWaitingRequests(ctx);
    expect((await delivered(ctx)).of('request.reminded')).toEqual([{ type: 'request.reminded', requestId: id, round: 1, members: ['carol@example.com'] }]);
  });

  it.skipIf(skip)('lets the escalation group approve only once the delay has passed, audited as request.escalated', async () => {
    const ctx = await context();
    const id = await file(ctx);
    ctx.clock.set(T0 + 30 * M - 1);
    await expect(review(ctx, { requestId: id, reviewer: dave, decision: 'approve' })).rejects.toMatchObject({ code: 'not_approver' });
    await expect(mayReview(ctx, { requestId: id, reviewer: dave, decision: 'deny' })).rejects.toMatchObject({ code: 'not_approver' });
    expect(await listAwaitingReview(ctx, dave)).toEqual([]);
    expect((await loadRequestView(ctx.store, ctx.policy, id, ctx.clock.now()))!.approverMembers).toEqual(['bob@example.com', 'carol@example.com']);
    // Reminder round 2 (due at 20m) goes out; nothing escalates a millisecond early.
    expect(await sweepWaitingRequests(ctx)).toEqual({ reminded: 1, escalated: 0 });

    ctx.clock.set(T0 + 30 * M);
    expect(await sweepWaitingRequests(ctx)).toEqual({ reminded: 1, escalated: 1 });
    const port = await delivered(ctx);
    expect(port.of('request.escalated')).toEqual([{ type: 'request.escalated', requestId: id, members: ['dave@example.com'] }]);
    // The reminder of the same instant goes to those who could approve before: dave was just told by the escalation.
    expect(port.of('request.reminded').map((n) => [n.round, n.members])).toEqual([
      [2, ['bob@example.com', 'carol@example.com']],
      [3, ['bob@example.com', 'carol@example.com']],
    ]);
    expect((await auditActions(ctx.store, 'request.escalated')).map((r) => r.details)).toEqual([{ waited: '30m', escalated_to: ['dave@example.com'] }]);
    expect((await listAwaitingReview(ctx, dave)).map((v) => v.id)).toEqual([id]);
    // The card's "Can approve" now names the escalation group too.
    expect((await loadRequestView(ctx.store, ctx.policy, id, ctx.clock.now()))!.approverMembers).toEqual(['bob@example.com', 'carol@example.com', 'dave@example.com']);

    ctx.clock.set(T0 + 40 * M);
    await sweepWaitingRequests(ctx);
    expect((await delivered(ctx)).of('request.reminded')).toEqual([{ type: 'request.reminded', requestId: id, round: 4, members: ['bob@example.com', 'carol@example.com', 'dave@example.com'] }]);

    const { outcome } = await review(ctx, { requestId: id, reviewer: dave, decision: 'approve' });
    expect(outcome).toEqual({ kind: 'approved', approvals: 1 });
    expect(await sweepWaitingRequests(ctx)).toEqual({ reminded: 0, escalated: 0 });
  });

  it.skipIf(skip)('expedites once: approvers paged at once with the note, the signed hook called, audited', async () => {
    const secret = 'expedite-secret-0123456789';
    const calls: { url: string | undefined; headers: IncomingMessage['headers']; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        calls.push({ url: req.url, headers: req.headers, body });
        // The first answer is a redirect: following it would resend the signed body (to /elsewhere here).
        if (calls.length === 1) res.writeHead(302, { location: '/elsewhere' }).end();
        else res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/page`;
      const ctx = await context({ policy: waitingPolicy({ expediteWebhook: { url, secret, timeoutMs: 5_000 } }) });
      const id = await file(ctx);
      ctx.clock.set(T0 + 3 * M);
      await expect(expediteRequest(ctx, { requestId: id, actor: bob, note: 'me too' })).rejects.toMatchObject({ code: 'not_allowed' });
      const view = await expediteRequest(ctx, { requestId: id, actor: alice, note: '  checkout is down for everyone  ' });
      expect(view.waiting?.expeditedAt).toBe(T0 + 3 * M);
      await expect(expediteRequest(ctx, { requestId: id, actor: alice, note: 'again' })).rejects.toMatchObject({ code: 'not_allowed', userMessage: expect.stringContaining('once') });

      const chat = new RecordingPort();
      const hook = new ExpediteWebhookPort({ policy: () => ctx.policy, now: () => ctx.clock.now() });
      await dispatchOutbox(ctx, [chat, hook]);
      expect(chat.of('request.expedited')).toEqual([{ type: 'request.expedited', requestId: id, by: 'alice', note: 'checkout is down for everyone', members: ['bob@example.com', 'carol@example.com'] }]);
      expect(await auditActions(ctx.store, 'request.expedited')).toEqual([{ requestId: id, details: { note: 'checkout is down for everyone', paged: ['bob@example.com', 'carol@example.com'], webhook: true } }]);
      expect(calls.map((c) => c.url)).toEqual(['/page']);

      // The hook answered a redirect the first time, which is not followed but failed: the outbox retries it,
      // and the receiver can verify the signature.
      ctx.clock.advance(10 * M);
      await dispatchOutbox(ctx, [chat, hook]);
      expect(calls.map((c) => c.url)).toEqual(['/page', '/page']);
      const last = calls[1]!;
      expect(last.headers['idempotency-key']).toBe(`expedite:${id}`);
      const nowSeconds = Math.floor(ctx.clock.now() / 1000);
      expect(verifyAccessbotSignature(secret, String(last.headers['x-accessbot-timestamp']), String(last.headers['x-accessbot-signature']), last.body, nowSeconds)).toBe(true);
      expect(verifyAccessbotSignature('another-secret-0123456789', String(last.headers['x-accessbot-timestamp']), String(last.headers['x-accessbot-signature']), last.body, nowSeconds)).toBe(false);
      expect(JSON.parse(last.body)).toMatchObject({ event: 'request.expedited', request: `AR-${id}`, role: 'prod', requester: { email: 'alice@example.com', slack_id: 'UALICE' }, note: 'checkout is down for everyone', approvers: ['bob@example.com', 'carol@example.com'] });
      expect(chat.of('request.expedited')).toHaveLength(1);
      expect(await ctx.store.dueNoticeIds([EXPEDITE_WEBHOOK_PLATFORM], ctx.clock.now() + 60 * M, 10)).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it.skipIf(skip)('two replicas over one store send each reminder and escalation once', async () => {
    const clock = new ManualClock(T0);
    const a = await context({ clock, instanceId: 'replica-a' });
    const b = await context({ clock, instanceId: 'replica-b' });
    const ids = [await file(a), (await requestAccess(b, { roleName: 'prod', requester: carol, durationMs: 30 * M, reason: 'INC-8', origin: 'test' })).view.id];
    for (const at of [10, 20, 30]) {
      clock.set(T0 + at * M);
      const [ra, rb] = await Promise.all([sweepWaitingRequests(a), sweepWaitingRequests(b)]);
      expect(ra.reminded + rb.reminded).toBe(2);
      expect(ra.escalated + rb.escalated).toBe(at === 30 ? 2 : 0);
    }
    const reminded = await auditActions(a.store, 'request.reminded');
    expect(reminded.map((r) => `${r.requestId}:${String(r.details.round)}`).sort()).toEqual(ids.flatMap((id) => [1, 2, 3].map((round) => `${id}:${round}`)).sort());
    expect((await auditActions(a.store, 'request.escalated')).map((r) => r.requestId).sort()).toEqual([...ids].sort());
    const port = await delivered(a);
    expect(port.of('request.reminded')).toHaveLength(6);
    expect(port.of('request.escalated')).toHaveLength(2);
  });

  it.skipIf(skip)('a restart neither repeats nor loses a reminder', async () => {
    const clock = new ManualClock(T0);
    const before = await context({ clock, instanceId: 'before-restart' });
    const id = await file(before);
    clock.set(T0 + 10 * M);
    expect(await sweepWaitingRequests(before)).toEqual({ reminded: 1, escalated: 0 });
    await before.store.close();

    // The process comes back a little later, in the same round: nothing is sent twice.
    clock.set(T0 + 12 * M);
    const after = await context({ clock, instanceId: 'after-restart' });
    expect(await sweepWaitingRequests(after)).toEqual({ reminded: 0, escalated: 0 });
    // Down over the next due time: the round due is sent when it is back, once.
    await after.store.close();
    clock.set(T0 + 25 * M);
    const again = await context({ clock, instanceId: 'again' });
    expect(await sweepWaitingRequests(again)).toEqual({ reminded: 1, escalated: 0 });
    expect(await sweepWaitingRequests(again)).toEqual({ reminded: 0, escalated: 0 });
    expect((await auditActions(again.store, 'request.reminded')).map((r) => [r.requestId, r.details.round])).toEqual([
      [id, 1],
      [id, 2],
    ]);
  });
});
