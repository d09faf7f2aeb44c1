/**
 * Commands typed to accessbot in Teams: the same grammar as Slack's slash commands, answered in the personal
 * chat; bad input gets a specific answer; a message in a channel gets a pointer to the personal chat; the
 * request form files a request; `access` lists, revokes and cancels.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, APPROVALS, BOB, MALLORY, TeamsHarness, cardOf, findAction, visible } from './harness.ts';

let h: TeamsHarness;
afterEach(async () => {
  await h?.close();
});

const lastAnswer = (user: typeof ALICE) => visible(h.personalMessages(user).at(-1));
/** Everything said in the person's chat (answers and notices may interleave). */
const said = (user: typeof ALICE) => h.personalMessages(user).map((m) => visible(m)).join('\n');

describe('Teams commands', () => {
  it('answers help, bad words and unknown people specifically', async () => {
    h = await TeamsHarness.start();
    await h.say(ALICE, 'help');
    expect(lastAnswer(ALICE)).toMatch(/Roles you may request/);
    expect(lastAnswer(ALICE)).toMatch(/\*\*request-access ROLE DURATION REASON…\*\*/);
    await h.say(ALICE, 'request-access readonly 9x checking');
    expect(lastAnswer(ALICE)).toMatch(/"9x" is not a duration/);
    await h.say(ALICE, 'request-access readonly 30m');
    expect(lastAnswer(ALICE)).toMatch(/Say why you need access/);
    await h.say(ALICE, 'grant me everything');
    expect(lastAnswer(ALICE)).toMatch(/I don't know "grant"/);
    await h.say(ALICE, '/access cancel');
    expect(lastAnswer(ALICE)).toMatch(/Say which request/);
    await h.say(MALLORY, 'request-access readonly 30m please');
    expect(lastAnswer(MALLORY)).toMatch(/not allowed to request "readonly"/);
    expect(lastAnswer(MALLORY)).toContain(`your Teams id is ${MALLORY.aadObjectId}, email mallory@example.com`);
  });

  it('points a message in a channel to the personal chat', async () => {
    h = await TeamsHarness.start();
    await h.post(h.base(ALICE, { id: `${APPROVALS};messageid=1`, conversationType: 'channel', isGroup: true }, { type: 'message', text: '<at>accessbot</at> request-access' }));
    const replies = h.connector.messages.filter((m) => m.conversationId.startsWith(APPROVALS));
    expect(replies.map((m) => visible(m)).join('\n')).toMatch(/personal chat/);
  });

  it('request-access alone answers with a form of the roles this person may request, whose submit files the request', async () => {
    h = await TeamsHarness.start();
    await h.installInTeam();
    await h.say(ALICE, 'request-access writer');
    const form = h.personalMessages(ALICE).at(-1)!;
    const content = JSON.stringify(cardOf(form));
    expect(content).toContain('"value":"writer"');
    expect(content).toContain('"id":"reason"');
    const answer = await h.click(ALICE, form, 'Request access', { role: 'readonly', duration: '1h', reason: 'checking INC-5', ticket: '' });
    expect(visible(answer.body!.value as Record<string, unknown>)).toMatch(/Filed AR-1/);
    await h.settle();
    expect(visible(await h.card())).toContain('checking INC-5');
    // Clicking the same submit again (a redelivery) files nothing more.
    await h.click(ALICE, form, 'Request access', { role: 'readonly', duration: '1h', reason: 'checking INC-5', ticket: '' });
    await h.settle();
    expect(h.cards()).toHaveLength(1);
  });

  it('access lists, cancels and revokes by request id', async () => {
    h = await TeamsHarness.start();
    await h.installInTeam();
    await h.say(ALICE, 'request-access readonly 10m quick look');
    await h.settle();
    expect(h.provider.count('grant')).toBe(1); // auto-approved within 15m
    await h.say(ALICE, 'request-access writer 1h fixing INC-2 --ticket INC-2');
    await h.settle();
    await h.say(ALICE, 'access');
    expect(lastAnswer(ALICE)).toMatch(/Your access/);
    expect(lastAnswer(ALICE)).toMatch(/Your pending requests/);
    const list = h.personalMessages(ALICE).at(-1)!;
    expect(findAction(cardOf(list), 'Cancel')?.data).toMatchObject({ requestId: 2 });
    await h.say(ALICE, 'access cancel AR-2');
    expect(said(ALICE)).toMatch(/Cancelled AR-2/);
    await h.say(ALICE, 'access revoke AR-1');
    expect(said(ALICE)).toMatch(/Ending AR-1 now/);
    await h.settle();
    expect(h.provider.count('revoke')).toBe(1);
    expect(h.personalMessages(ALICE).map((m) => visible(m)).join('\n')).toMatch(/Your access AR-1 .* was revoked/s);
    await h.say(BOB, 'access pending');
    expect(lastAnswer(BOB)).toMatch(/Nothing waits for your review/);
  });
});
