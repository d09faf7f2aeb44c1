/**
 * The Teams workflow end to end through the real CloudAdapter: a command typed in a personal chat files a
 * request, the Adaptive Card lands in the approvals channel, an approver's Action.Execute approves it, the
 * grant is made, the shared card is updated in place and the requester hears about it privately.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, APPROVALS, BOB, CAROL, MALLORY, TeamsHarness, actionsOf, cardOf, visible } from './harness.ts';

let h: TeamsHarness;
afterEach(async () => {
  await h?.close();
});

async function filed(text = 'request-access readonly 1h checking INC-7', by = ALICE) {
  await h.installInTeam();
  await h.installPersonal(by);
  const answer = await h.say(by, text);
  expect(answer.status).toBe(200);
  await h.settle();
  return h.card();
}

describe('Teams: request, approve, grant', () => {
  it('files a request typed in a personal chat and posts an Adaptive Card to the approvals channel', async () => {
    h = await TeamsHarness.start();
    const card = await filed();
    const content = cardOf(card)!;
    expect(content).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(visible(card)).toContain('AR-1');
    expect(visible(card)).toContain('checking INC-7');
    expect(actionsOf(content).map((a) => a.title)).toEqual(['Approve', 'Deny']);
    expect(actionsOf(content).every((a) => a.data.requestId === 1)).toBe(true);
    // The requester gets their own view (Cancel) through refresh.userIds.
    expect((content.refresh as { userIds: string[] }).userIds).toContain(ALICE.id);
    // The answer in the personal chat, then the "filed" notice with Cancel.
    const mine = h.personalMessages(ALICE);
    expect(mine.map((m) => visible(m)).join('\n')).toMatch(/Filed AR-1/);
    expect(mine.some((m) => actionsOf(cardOf(m)).some((a) => a.title === 'Cancel request'))).toBe(true);
  });

  it('approve → grant → the shared card is updated in place → the requester is told privately', async () => {
    h = await TeamsHarness.start();
    const card = await filed();
    const answer = await h.click(BOB, card, 'Approve');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(visible(answer.body!.value as Record<string, unknown>)).toContain('You approved AR-1');
    expect(actionsOf(answer.body!.value)).toEqual([]);
    await h.settle();
    expect(h.provider.count('grant')).toBe(1);
    const updated = h.connector.message(APPROVALS, card.id)!;
    expect(updated.versions.length).toBeGreaterThan(1);
    expect(actionsOf(cardOf(updated))).toEqual([]);
    expect(visible(updated)).toMatch(/Approved by/);
    expect(visible(updated)).toMatch(/Access active until/);
    expect(cardOf(updated)!.refresh).toBeUndefined();
    expect(h.cards()).toHaveLength(1);
    const notices = h.personalMessages(ALICE).map((m) => visible(m)).join('\n');
    expect(notices).toMatch(/Your access AR-1 .*readonly.* is active until/s);
    // The thread under the card keeps the history.
    expect(h.connector.thread(APPROVALS, card.id).map((m) => visible(m)).join('\n')).toMatch(/Approved by/);
  });

  it("refuses the requester's own Approve (even when they approve the role) and tells them why, with their own view", async () => {
    h = await TeamsHarness.start();
    const card = await filed(undefined, BOB);
    const answer = await h.click(BOB, card, 'Approve');
    expect(answer.body?.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(visible(answer.body!.value as Record<string, unknown>)).toMatch(/own request/i);
    expect(actionsOf(answer.body!.value).map((a) => a.title)).toEqual(['Cancel request']);
    await h.settle();
    expect(h.provider.count('grant')).toBe(0);
  });

  it('refuses a non-approver, read-only', async () => {
    h = await TeamsHarness.start();
    const card = await filed();
    const answer = await h.click(MALLORY, card, 'Approve');
    expect(visible(answer.body!.value as Record<string, unknown>)).toMatch(/not .*approve|ask your accessbot admin/i);
    expect(actionsOf(answer.body!.value)).toEqual([]);
    await h.settle();
    expect(h.provider.count('grant')).toBe(0);
  });

  it('deny asks for a reason, then denies with it; the requester reads it', async () => {
    h = await TeamsHarness.start();
    const card = await filed();
    const form = await h.click(CAROL, card, 'Deny');
    const formCard = form.body!.value as Record<string, unknown>;
    expect(JSON.stringify(formCard)).toContain('Input.Text');
    const empty = await h.execute(CAROL, 'deny_confirm', { ...findData(formCard, 'Deny request'), reason: '' }, { conversationId: APPROVALS, messageId: card.id });
    expect(visible(empty.body!.value as Record<string, unknown>)).toMatch(/Say why/);
    const denied = await h.execute(CAROL, 'deny_confirm', { ...findData(formCard, 'Deny request'), reason: 'use the replica' }, { conversationId: APPROVALS, messageId: card.id });
    expect(visible(denied.body!.value as Record<string, unknown>)).toContain('You denied AR-1');
    await h.settle();
    const updated = h.connector.message(APPROVALS, card.id)!;
    expect(visible(updated)).toMatch(/Denied by .*use the replica/s);
    expect(actionsOf(cardOf(updated))).toEqual([]);
    expect(h.personalMessages(ALICE).map((m) => visible(m)).join('\n')).toMatch(/was denied by .*use the replica/s);
    expect(h.provider.count('grant')).toBe(0);
  });
});

function findData(card: Record<string, unknown>, title: string): Record<string, unknown> {
  const action = actionsOf(card).find((a) => a.title === title);
  if (!action) throw new Error(`no ${title}`);
  return action.data;
}
