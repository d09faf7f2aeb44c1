/**
 * Teams redelivers: the same activity twice has one effect; ten approvers clicking Approve at once make one
 * grant; the connector answering 429 delays a notice through the outbox but never loses it; conversation
 * references live in the store, so after a restart cards and notices still go out proactively.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { filedRequests } from '../slack/harness.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { ALICE, APPROVALS, BOB, DAVE, ERIN, TeamsHarness, actionsOf, cardOf, teamsTestPolicy, visible } from './harness.ts';
import { role } from '../../support/policy-fixture.ts';
import type { TeamsMember } from '../../fakes/bot-connector.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

let h: TeamsHarness;
afterEach(async () => {
  await h?.close();
});

describe('Teams: idempotency and races', () => {
  it('handles the same message activity delivered twice once', async () => {
    h = await TeamsHarness.start();
    await h.installInTeam();
    await h.say(ALICE, 'request-access readonly 1h checking INC-7', 'dup-1');
    await h.say(ALICE, 'request-access readonly 1h checking INC-7', 'dup-1');
    await h.settle();
    expect(await filedRequests(h.bot.ctx.store)).toHaveLength(1);
    expect(h.cards()).toHaveLength(1);
    expect(h.personalMessages(ALICE).filter((m) => /Filed AR-1/.test(visible(m)))).toHaveLength(1);
  });

  it('handles the same Approve invoke delivered twice once, answering both', async () => {
    const policy = teamsTestPolicy();
    h = await TeamsHarness.start({ policy: { ...policy, roles: { ...policy.roles, readonly: { ...policy.roles.readonly!, approvalsRequired: 2, autoApprove: undefined } } } });
    await h.installInTeam();
    await h.say(ALICE, 'request-access readonly 1h checking INC-7');
    await h.settle();
    const card = await h.card();
    const first = await h.click(BOB, card, 'Approve', {}, 'click-1');
    const again = await h.click(BOB, card, 'Approve', {}, 'click-1');
    expect(first.body?.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(again.body?.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(visible(again.body!.value as Record<string, unknown>)).not.toMatch(/already reviewed/i);
    await h.settle();
    const reviews = await h.bot.ctx.store.reviewsOf(asRequestId(1));
    expect(reviews).toHaveLength(1);
    expect(visible(h.connector.message(APPROVALS, card.id))).toMatch(/1 of 2/);
  });

  it('ten concurrent Approve clicks make exactly one grant; the others are told it was decided', async () => {
    const approvers: TeamsMember[] = Array.from({ length: 10 }, (_, i) => ({
      id: `29:approver${i}`,
      name: `Approver ${i}`,
      aadObjectId: `00000000-0000-0000-0000-00000000a${String(i).padStart(3, '0')}`,
      email: `approver${i}@example.com`,
      tenantId: 'tenant-home',
    }));
    const base = teamsTestPolicy();
    const policy = { ...base, roles: { ...base.roles, readonly: role('readonly', { requesters: new Set(['alice@example.com']), approvers: new Set(approvers.map((a) => a.email!)) }) } };
    h = await TeamsHarness.start({ policy });
    for (const a of approvers) h.connector.addMember(a);
    await h.installInTeam();
    await h.say(ALICE, 'request-access readonly 1h checking INC-7');
    await h.settle();
    const card = await h.card();
    const answers = await Promise.all(approvers.map((a) => h.click(a, card, 'Approve')));
    expect(answers.every((a) => a.status === 200 && a.body?.type === 'application/vnd.microsoft.card.adaptive')).toBe(true);
    const texts = answers.map((a) => visible(a.body!.value as Record<string, unknown>));
    expect(texts.filter((t) => /You approved AR-1/.test(t))).toHaveLength(1);
    expect(texts.filter((t) => /decided|already/i.test(t))).toHaveLength(9);
    await h.settle();
    expect(h.provider.count('grant')).toBe(1);
    expect(await h.bot.ctx.store.reviewsOf(asRequestId(1))).toHaveLength(1);
    expect(actionsOf(cardOf(h.connector.message(APPROVALS, card.id)!))).toEqual([]);
  });

  it('a 429 from the connector delays the card through the outbox; it is posted once, not lost', async () => {
    h = await TeamsHarness.start();
    await h.installInTeam();
    // More 429s than the connector client retries by itself: the delivery fails and the outbox retries it.
    h.connector.failNext(8, 429, { match: (method, path) => method === 'POST' && path.includes(encodeURIComponent(APPROVALS)) });
    await h.say(ALICE, 'request-access readonly 1h checking INC-7');
    await h.settle();
    expect(h.cards()).toHaveLength(0);
    expect(h.connector.calls.filter((c) => c.status === 429).length).toBeGreaterThan(0);
    for (let i = 0; i < 20 && h.cards().length === 0; i++) {
      h.clock.advance(10 * 60_000);
      await h.bot.scheduler.runOnce();
      await h.settle();
    }
    expect(h.cards()).toHaveLength(1);
    expect(visible(h.cards()[0])).toContain('AR-1');
  });
});

describe('Teams: conversation references', () => {
  it('are captured on install, kept in the store, and used after a restart', async () => {
    h = await TeamsHarness.start();
    await h.installInTeam();
    await h.installPersonal(ALICE);
    const { connector, dbPath, clock, provider } = h;
    await h.close({ keepConnector: true });
    // A new process on the same database: nobody has written to it since.
    h = await TeamsHarness.start({ connector, dbPath, clock, provider });
    expect((await h.bot.ctx.store.kvList('teams:address:ref:')).map((r) => r.key)).toEqual(
      expect.arrayContaining([`teams:address:ref:${APPROVALS}`, `teams:address:ref:${TeamsHarness.personal(ALICE)}`]),
    );
    // Filed outside Teams (the core, as the CLI or Slack would): no Teams activity has reached this process.
    await requestAccess(h.bot.ctx, { roleName: 'readonly', requester: { teamsId: ALICE.aadObjectId, email: 'alice@example.com', name: 'Alice' }, durationMs: 3_600_000, reason: 'checking INC-9', origin: 'cli' });
    await h.settle();
    expect(h.cards()).toHaveLength(1);
    expect(visible(h.cards()[0])).toContain('checking INC-9');
    expect(h.personalMessages(ALICE).map((m) => visible(m)).join('\n')).toMatch(/Your request AR-1 .* was filed/s);
  });

  it('opens a personal chat for someone who has the app but whose chat accessbot lost', async () => {
    h = await TeamsHarness.start();
    await h.installInTeam();
    await h.say(DAVE, 'request-access readonly 1h checking INC-3');
    await h.uninstallPersonal(DAVE);
    await h.settle();
    await h.click(BOB, await h.card(), 'Approve');
    await h.settle();
    expect(h.connector.created).toHaveLength(1);
    expect(h.personalMessages(DAVE).map((m) => visible(m)).join('\n')).toMatch(/is active until/);
  });

  it('tells the approvers, under the card, when the requester cannot be reached privately', async () => {
    h = await TeamsHarness.start();
    await h.installInTeam();
    await h.say(ERIN, 'request-access readonly 1h checking INC-4');
    await h.uninstallPersonal(ERIN);
    await h.settle();
    const card = await h.card();
    await h.click(BOB, card, 'Approve');
    await h.settle();
    expect(h.provider.count('grant')).toBe(1);
    const thread = h.connector.thread(APPROVALS, card.id).map((m) => visible(m)).join('\n');
    expect(thread).toMatch(/cannot message .*privately/s);
    expect(thread.match(/cannot message/g)).toHaveLength(1);
  });
});
