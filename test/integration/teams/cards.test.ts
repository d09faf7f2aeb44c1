/**
 * Every card accessbot sends in Teams — posted, updated, or returned to a click — passes Microsoft's Adaptive
 * Card parser (the `adaptivecards` package) as version 1.5 and stays under Teams' size limit. The flows below
 * make it send each kind: the request form and its errors, the approval card in every state and each person's
 * view of it, the deny form, personal notices with their buttons, credentials, the extend form, audit posts.
 * Also: the request form files a request; a guest matches by id only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { auditAlert, digestMessage } from '../../../src/chat/index.ts';
import { renderCard } from '../../../adapters/teams/render/card.ts';
import { cardProblems } from '../../support/adaptive-cards.ts';
import { role } from '../../support/policy-fixture.ts';
import { ALICE, APPROVALS, AUDIT, BOB, CAROL, GUEST, TeamsHarness, actionsOf, cardOf, findAction, teamsTestPolicy, visible } from './harness.ts';

let h: TeamsHarness;
afterEach(async () => {
  await h?.close();
});

/** Every card the connector saw (each version of each message) and every card a click was answered with. */
function everyCard(answers: unknown[]): unknown[] {
  const sent = h.connector.messages.flatMap((m) => m.versions.map((activity) => cardOf({ activity }))).filter((c) => c !== null);
  const returned = answers.filter((a): a is { type: string; value: unknown } => (a as { type?: string })?.type === 'application/vnd.microsoft.card.adaptive').map((a) => a.value);
  return [...sent, ...returned];
}

describe('Teams cards', () => {
  it('every card sent or returned in a full workflow passes the adaptivecards parser', async () => {
    const base = teamsTestPolicy();
    const requesters = base.roles.readonly!.requesters;
    const approvers = base.roles.readonly!.approvers;
    const policy = { ...base, roles: { ...base.roles, breakglass: role('breakglass', { requesters, approvers, breakGlass: true }) } };
    h = await TeamsHarness.start({ policy });
    h.provider.credentials = { user: 'ab_grant_1', password: 'p*ss_w[or]d' };
    const answers: unknown[] = [];
    const keep = async (p: Promise<{ body: unknown }>) => {
      const answer = (await p).body;
      answers.push(answer);
      return answer as { type: string; value: Record<string, unknown> };
    };
    await h.installInTeam();
    await h.installPersonal(ALICE);
    await h.say(ALICE, 'help');
    await h.say(ALICE, 'request-access');
    await h.settle();
    const form = h.personalMessages(ALICE).find((m) => findAction(cardOf(m), 'Request access'))!;
    expect(form).toBeDefined();
    // A bad duration: the form again, with the problem above the field.
    const bad = await keep(h.click(ALICE, form, 'Request access', { role: 'writer', duration: '9x', reason: 'fixing INC-1', ticket: '' }));
    expect(visible(bad.value)).toMatch(/"9x" is not a duration/);
    const noTicket = await keep(h.click(ALICE, form, 'Request access', { role: 'writer', duration: '1h', reason: 'fixing INC-1', ticket: '' }));
    expect(visible(noTicket.value)).toMatch(/needs a ticket/);
    const filed = await keep(h.click(ALICE, form, 'Request access', { role: 'writer', duration: '1h', reason: 'fixing INC-1 <at>everyone</at> **now**', ticket: 'INC-1' }));
    expect(visible(filed.value)).toMatch(/Filed AR-1/);
    await h.settle();
    const card = await h.card();
    expect(visible(card)).toContain('INC-1');
    // Each person's view, as Teams asks for it (refresh) — the requester, an approver, a bystander.
    for (const who of [ALICE, BOB, GUEST]) await keep(h.click(who, card, 'Approve').then(() => h.execute(who, 'refresh', { requestId: 1, surface: 'approval' }, { conversationId: card.conversationId, messageId: card.id })));
    await keep(h.click(CAROL, card, 'Deny'));
    await keep(h.click(CAROL, card, 'Approve'));
    await h.settle();
    expect(h.provider.count('grant')).toBe(1);
    const active = h.personalMessages(ALICE).find((m) => findAction(cardOf(m), 'Show credentials'))!;
    expect(active).toBeDefined();
    const creds = await keep(h.click(ALICE, active, 'Show credentials'));
    expect(visible(creds.value)).toContain('ab\\_grant\\_1');
    // The same click from a channel never shows them.
    const elsewhere = await keep(h.execute(ALICE, 'show_credentials', { requestId: 1, surface: 'personal' }, { conversationId: APPROVALS, messageId: card.id }));
    expect(elsewhere.type).toBe('application/vnd.microsoft.activity.message');
    expect(JSON.stringify(elsewhere)).not.toMatch(/ab_grant_1|p\*ss/);
    await keep(h.execute(ALICE, 'extend', { requestId: 1, surface: 'personal' }, { conversationId: active.conversationId, messageId: active.id }));
    await keep(h.execute(ALICE, 'extend_confirm', { requestId: 1, surface: 'personal', duration: 'soon', reason: '' }, { conversationId: active.conversationId, messageId: active.id }));
    const ended = await keep(h.click(ALICE, active, 'End access now'));
    expect(ended.type).toBe('application/vnd.microsoft.activity.message');
    await h.say(ALICE, 'access');
    await h.say(BOB, 'access pending');
    // Break-glass: an alert in the audit channel.
    await h.say(CAROL, 'request-access breakglass 30m prod down --break-glass');
    await h.settle();
    expect(h.connector.topLevel(AUDIT).map((m) => visible(m)).join('\n')).toMatch(/Break-glass activation/);
    // The active notice's buttons were taken off once the access ended.
    expect(actionsOf(cardOf(h.connector.message(active.conversationId, active.id)!))).toEqual([]);

    const cards = everyCard(answers);
    expect(cards.length).toBeGreaterThan(15);
    const problems = cards.flatMap((c) => cardProblems(c).map((p) => `${p} in ${JSON.stringify(c).slice(0, 200)}`));
    expect(problems).toEqual([]);
  });

  it('renders the digest and alerts within the parser and the size limit', () => {
    const markdown = ['# Access digest', ...Array.from({ length: 400 }, (_, i) => `- AR-${i} **readonly** for alice@example.com: reason ${'x'.repeat(80)}`)].join('\n');
    const digest = renderCard(digestMessage({ type: 'digest', period: '2026-01-05', title: 'Access digest', markdown }), { surface: 'personal' });
    expect(cardProblems(digest)).toEqual([]);
    expect(JSON.stringify(digest)).toContain('cut to fit Teams');
    const alert = renderCard(auditAlert({ type: 'audit.alert', code: 'revoke_overdue', text: 'AR-3 should have ended' }), { surface: 'personal' });
    expect(cardProblems(alert)).toEqual([]);
  });

  it('a guest whose profile claims an approver\'s address matches by id only', async () => {
    h = await TeamsHarness.start();
    await h.installInTeam();
    await h.say(ALICE, 'request-access readonly 1h checking INC-7');
    await h.settle();
    const answer = await h.click(GUEST, await h.card(), 'Approve');
    expect(visible(answer.body!.value as Record<string, unknown>)).toMatch(/not an approver/);
    expect(visible(answer.body!.value as Record<string, unknown>)).toContain(GUEST.aadObjectId);
    await h.settle();
    expect(h.provider.count('grant')).toBe(0);
  });
});
