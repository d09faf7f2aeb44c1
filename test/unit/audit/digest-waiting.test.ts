/** The digest's waiting sections (issue 14): the longest waits for a decision, and requests that lapsed without any review. */
import { afterEach, describe, expect, it } from 'vitest';
import { expireLapsedRequests } from '../../../src/app/expire.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { expediteRequest, sweepWaitingRequests } from '../../../src/app/waiting.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';
import { buildDigest } from '../../../src/audit/digest.ts';
import { formatDigest } from '../../../src/audit/digest-format.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice, bob, carol, dave, role, testPolicy } from '../../support/policy-fixture.ts';

const M = 60_000;
const SINCE = Date.UTC(2026, 0, 5, 8, 0, 0);

let h: Harness | null = null;
afterEach(async () => h?.close());

describe('digest: waiting requests', () => {
  it('lists the longest waits first (with their reminders, escalation, expedite) and the requests nobody reviewed before they lapsed', async () => {
    const waiting = { remindAfterMs: 10 * M, escalateAfterMs: 30 * M, escalation: { approvers: new Set(['dave@example.com']) }, expediteWebhook: null };
    const approvers = new Set(['bob@example.com', 'carol@example.com']);
    h = createHarness({ policy: testPolicy([role('prod', { approvers, requestTtlMs: 60 * M, waiting }), role('pair', { approvers, approvalsRequired: 2, requestTtlMs: 60 * M })]) });
    const file = async (roleName: string, requester: typeof alice) => asRequestId((await requestAccess(h!.ctx, { roleName, requester, durationMs: 30 * M, reason: 'INC-1', origin: 'test' })).view.id);

    h.clock.set(SINCE + 60 * M);
    const slow = await file('prod', alice);
    const quick = await file('prod', bob);
    const lapsed = await file('pair', carol);
    const reviewedThenLapsed = await file('pair', alice);
    h.clock.advance(2 * M);
    await expediteRequest(h.ctx, { requestId: slow, actor: alice, note: 'down' });
    await review(h.ctx, { requestId: quick, reviewer: carol, decision: 'deny', note: 'not now' });
    await review(h.ctx, { requestId: reviewedThenLapsed, reviewer: bob, decision: 'approve' });
    for (const at of [10, 20, 30, 40]) {
      h.clock.set(SINCE + 60 * M + at * M);
      await sweepWaitingRequests(h.ctx);
    }
    h.clock.set(SINCE + 60 * M + 45 * M);
    await review(h.ctx, { requestId: slow, reviewer: dave, decision: 'approve' });
    h.clock.set(SINCE + 60 * M + 60 * M);
    await expireLapsedRequests(h.ctx);

    const digest = await buildDigest(h.store, { since: SINCE, until: SINCE + 24 * 60 * M, timezone: 'Europe/Berlin' });
    expect(digest.waiting.longest.items.map((w) => [w.ref, w.waitedMs / M, w.outcome, w.reminders, w.escalated, w.expedited])).toEqual([
      [`AR-${slow}`, 45, 'approved', 4, true, true],
      [`AR-${quick}`, 2, 'denied', 0, false, false],
    ]);
    expect(digest.waiting.lapsedUnreviewed.items.map((w) => [w.ref, w.waitedMs / M, w.outcome])).toEqual([[`AR-${lapsed}`, 60, 'expired']]);

    const markdown = formatDigest(digest, 'markdown');
    const section = (heading: string) => markdown.split('\n\n').find((b) => b.startsWith(`**${heading}**`)) ?? '';
    expect(section('Longest waits for a decision')).toContain(`- **AR-${slow}** alice@example.com: prod · waited 45m (filed 5 Jan, 10:00) · approved · 4 reminders, escalated, marked urgent`);
    expect(section('Lapsed without any review')).toContain(`- **AR-${lapsed}** carol@example.com: pair · waited 1h (filed 5 Jan, 10:00) · expired`);
    expect(section('Lapsed without any review')).not.toContain(`AR-${reviewedThenLapsed}`);
  });
});
