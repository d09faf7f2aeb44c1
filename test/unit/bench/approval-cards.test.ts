/**
 * The ack bench approves the cards a round posted, and waits for them first. It once counted every message in
 * the approvals channel as a card: the "approved by" and "granted" thread replies of earlier rounds made the
 * count look complete at once, so Approve clicks went out for requests not filed yet (their ids guessed as
 * 1, 2, 3 …), were answered "no such request", and the round then waited 60 s for grants that never came.
 */
import { describe, expect, it } from 'vitest';
import type { EmulatedMessage } from '../../../playground/slack-emulator/index.ts';
import { ApprovalCards } from '../../../bench/lib/slack-fixture.ts';
import { settle } from '../../../bench/lib/settle.ts';
import { slackCard } from '../../support/slack-render.ts';
import { requestView, T0 } from '../../support/slack-views.ts';

function message(ts: string, blocks: unknown[], threadTs: string | null = null, later: unknown[][] = []): EmulatedMessage {
  const history = [blocks, ...later].map((b) => ({ text: 'x', blocks: b, attachments: undefined, editedAt: null }));
  return { channel: 'C0APPROVALS', ts, threadTs, user: 'U0ACCESSBOT', botId: 'B0ACCESSBOT', text: 'x', blocks: history.at(-1)!.blocks, attachments: undefined, metadata: null, deleted: false, history };
}

/** The card accessbot posts for request `requestId` by `requester`, pending or (buttons retired) approved. */
const card = (requestId: string, requester: string, buttons = true): unknown[] =>
  slackCard(
    requestView({
      id: Number(requestId),
      ref: `AR-${requestId}`,
      requester: { email: 'x@example.com', slackId: requester, name: requester },
      approverMembers: ['slack:U0APPROVER'],
      status: buttons ? 'pending' : 'approved',
    }),
    { now: T0 },
  ).blocks ?? [];
const reply = (ts: string, parent: string) => message(ts, [{ type: 'section', text: { type: 'mrkdwn', text: '✅ Approved by <@U0APPROVER>' } }], parent);

describe('the ack bench: approval cards in the approvals channel', () => {
  it('counts cards, not the thread replies under them, and keeps a decided card (buttons retired) as the card it was', () => {
    const cards = new ApprovalCards();
    const channel = [message('1.1', card('7', 'U0REQ3'), null, [card('7', 'U0REQ3', false)]), reply('1.2', '1.1'), reply('1.3', '1.1')];
    cards.update(channel);
    expect(channel).toHaveLength(3); // what the bench counted as cards before
    expect(cards.size).toBe(1);
    expect(cards.of('U0REQ3')).toEqual({ ts: '1.1', requestId: '7', requester: 'U0REQ3' });
    expect(cards.of('U0APPROVER')).toBeUndefined();
  });

  it('names the request from the card, whatever order the requests were filed in', () => {
    const cards = new ApprovalCards();
    const posted = [message('2.1', card('12', 'U0REQ5')), message('2.2', card('11', 'U0REQ4'))];
    cards.update(posted.slice(0, 1));
    expect(cards.of('U0REQ4')).toBeUndefined();
    cards.update(posted);
    expect([cards.of('U0REQ4')?.requestId, cards.of('U0REQ5')?.requestId]).toEqual(['11', '12']);
  });
});

describe('the ack bench: waiting for a round to settle', () => {
  it('ends as soon as the target is reached', async () => {
    let n = 0;
    const result = await settle(() => ++n, 3, { stallMs: 1_000, capMs: 5_000 });
    expect(result).toMatchObject({ settled: true, reached: 3 });
    expect(result.ms).toBeLessThan(1_000);
  });

  it('gives up once progress stops moving, long before the cap, and says so', async () => {
    const result = await settle(() => 2, 5, { stallMs: 100, capMs: 60_000 });
    expect(result).toMatchObject({ settled: false, stalled: true, reached: 2 });
    expect(result.ms).toBeLessThan(2_000);
  });

  it('is not stalled while other work is still going on', async () => {
    let calls = 0;
    const started = Date.now();
    const result = await settle(() => (Date.now() - started > 300 ? 1 : 0), 1, { stallMs: 100, capMs: 5_000, activity: () => ++calls });
    expect(result).toMatchObject({ settled: true, reached: 1 });
  });
});
