/**
 * Runbook actions in Teams (issue 15): `access run` typed in the personal chat, the Run buttons on the holder's
 * card about the active grant, and — Teams having no confirm dialog — a card that asks before a `confirm: true`
 * action runs. Someone else's click is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ActionDef } from '../../../src/domain/policy.ts';
import { role } from '../../support/policy-fixture.ts';
import { ALICE, BOB, TeamsHarness, actionsOf, cardOf, findAction, teamsTestPolicy, visible } from './harness.ts';

const M = 60_000;
const node = process.execPath;
const action = (name: string, script: string, confirm = false): ActionDef => ({ name, description: `Does ${name}`, run: [node, '-e', script], timeoutMs: 10_000, confirm });

function policy() {
  const base = teamsTestPolicy();
  const oncall = role('oncall', {
    requesters: new Set(['alice@example.com']),
    approvers: new Set(['bob@example.com']),
    autoApprove: { maxDurationMs: 30 * M },
    actions: { 'restart-api': action('restart-api', `console.log('restarted <at>everyone</at> **now**')`), 'flush-cache': action('flush-cache', `console.log('flushed')`, true) },
  });
  return { ...base, roles: { ...base.roles, oncall } };
}

let h: TeamsHarness;
afterEach(async () => {
  await h?.close();
});

const answerText = (answer: { body: { value?: unknown } | null }) => JSON.stringify(answer.body?.value ?? null);

describe('runbook actions in Teams', () => {
  it('typed and from the personal card; confirm: true asks with a card first; others are refused', async () => {
    h = await TeamsHarness.start({ policy: policy() });
    await h.installPersonal(ALICE);
    await h.say(ALICE, 'access run restart-api');
    expect(visible(h.personalMessages(ALICE).at(-1))).toMatch(/only while you hold active access/);

    await h.say(ALICE, 'request-access oncall 20m INC-3 api down');
    await h.settle();
    await h.say(ALICE, 'access run restart-api');
    const typed = visible(h.personalMessages(ALICE).at(-1));
    expect(typed).toMatch(/restart-api.*on AR-1 succeeded/);
    expect(typed).not.toContain('<at>everyone</at>');

    const active = h.personalMessages(ALICE).find((m) => visible(m).includes('is active until'))!;
    const runs = actionsOf(cardOf(active)).filter((a) => a.verb === 'run_action');
    expect(runs.map((a) => [a.title, a.data.actionName, a.data.confirmed])).toEqual([
      ['Run restart-api', 'restart-api', true],
      ['Run flush-cache', 'flush-cache', false],
    ]);

    // flush-cache asks first: the click answers with a card whose button runs it.
    const asked = await h.click(ALICE, active, 'Run flush-cache');
    expect(answerText(asked)).toMatch(/Run \*\*flush-cache\*\* on AR-1/);
    const confirmCard = { ...active, activity: { attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: asked.body!.value }] } } as typeof active;
    expect(findAction(cardOf(confirmCard), 'Run flush-cache')!.data.confirmed).toBe(true);
    const ran = await h.click(ALICE, confirmCard, 'Run flush-cache');
    expect(answerText(ran)).toMatch(/flush-cache.*on AR-1 succeeded/);
    expect(answerText(ran)).toContain('flushed');

    const refused = await h.click(BOB, active, 'Run restart-api');
    expect(JSON.stringify(refused.body)).toMatch(/Only the holder of AR-1 can run its actions/);
  });
});
