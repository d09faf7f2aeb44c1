/** /request-access and /access answer only the caller, say what was wrong, and act through the core. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { role, testPolicy } from '../../support/policy-fixture.ts';
import { allReviews, ALICE, BOB, buttons, filedRequests, GONE, MALLORY, NOEMAIL, ROBOT, SlackHarness, visible } from './harness.ts';

let h: SlackHarness;
beforeEach(async () => {
  h = await SlackHarness.start();
});
afterEach(async () => h.close());

const filed = () => filedRequests(h.bot.ctx.store);

describe('bad input', () => {
  it('is answered in the ack, privately, with what would work; nothing is filed', async () => {
    const cases: [string, string, RegExp][] = [
      ['/request-access', 'readonly 30x checking', /"30x" is not a duration: try 30m, 2h, 1h30m, 1d/],
      ['/request-access', 'readonly 30m', /Say why you need access after the duration/],
      ['/request-access', 'readonly 30m why --urgent', /Unknown option "--urgent"/],
      ['/access', 'revoke', /Say which request/],
      ['/access', 'frobnicate', /I don't know "frobnicate"/],
    ];
    for (const [command, text, problem] of cases) {
      const response = await h.command(ALICE, command, text);
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(problem) });
    }
    await h.settle();
    expect(await filed()).toEqual([]);
    expect(h.emu.messages()).toEqual([]);
  });

  it('echoes what was typed escaped: a pasted link or <!channel> stays text in the answer', async () => {
    const response = await h.command(ALICE, '/access', '&lt;!channel&gt; &lt;https://evil.example|docs&gt;');
    expect(response.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('"&lt;!channel&gt;"') });
    expect(JSON.stringify(response.json)).not.toContain('<!channel>');
  });

  it('core refusals come back privately too: unknown role, too long, missing ticket, break-glass not allowed', async () => {
    const cases: [string, RegExp][] = [
      ['admin 30m x', /There is no role called "admin"\. Roles you may request: readonly, writer, breakglass\./],
      ['readonly 9h x', /longer than "readonly" allows \(at most 4h\)/],
      ['writer 1h x', /"writer" needs a ticket: add --ticket ID/],
      ['readonly 1h x --break-glass', /does not allow break-glass/],
    ];
    for (const [index, [text, problem]] of cases.entries()) {
      await h.command(ALICE, '/request-access', text);
      expect(await h.ephemeral(ALICE, index)).toMatch(problem);
    }
    expect(await filed()).toEqual([]);
  });
});

describe('help', () => {
  it('/request-access help lists usage and only the roles this person may request', async () => {
    await h.command(ALICE, '/request-access', 'help');
    const help = await h.ephemeral(ALICE);
    expect(help).toContain('/request-access ROLE DURATION REASON…');
    expect(help).toMatch(/`readonly` — Read-only SQL on the orders database \(up to 4h, default 1h, auto-approved up to 15m\)/);
    expect(help).toMatch(/`writer`.*ticket required/);
  });

  it('someone the policy does not know learns their Slack id and email to give an admin', async () => {
    await h.command(MALLORY, '/request-access', 'help');
    expect(await h.ephemeral(MALLORY)).toMatch(/You may not request any role yet[\s\S]*your Slack id is U0MALLORY, email mallory@example\.com/);
    await h.command(MALLORY, '/request-access', 'readonly 30m please');
    expect(await h.ephemeral(MALLORY, 1)).toBe('You are not allowed to request "readonly". Ask an admin to add you to its requesters. Tell them your Slack id is U0MALLORY, email mallory@example.com.');
    await h.command(MALLORY, '/request-access', '');
    expect(await h.ephemeral(MALLORY, 2)).toMatch(/You may not request any role yet/);
    await h.command(MALLORY, '/access', 'pending');
    expect(await h.ephemeral(MALLORY, 3)).toBe('You are not an approver for any role, so no requests wait for your review.');
    expect(h.emu.views).toEqual([]);
  });

  it('/access help', async () => {
    await h.command(ALICE, '/access', 'help');
    expect(await h.ephemeral(ALICE)).toMatch(/`\/access extend AR-42 30m`/);
  });
});

describe('identity', () => {
  it('a person Slack shares no email for is matched by Slack id', async () => {
    await h.command(NOEMAIL, '/request-access', 'readonly 30m by slack id');
    expect(await h.ephemeral(NOEMAIL)).toMatch(/Filed AR-1/);
    expect((await filed())[0]).toMatchObject({ requesterSlackId: NOEMAIL.id, requesterEmail: null, requesterKey: `slack:${NOEMAIL.id}` });
  });

  it('a user from another organisation (Slack Connect) claiming an approver\'s email is not that approver', async () => {
    await h.close();
    const eve = { id: 'U0EVE', name: 'eve', email: 'bob@example.com', teamId: 'T0OTHERORG' };
    h = await SlackHarness.start({ users: [ALICE, BOB, eve] });
    await h.command(ALICE, '/request-access', 'readonly 30m checking');
    const card = await h.card();
    await h.clickOnMessage(eve, 'request_approve', '1', card);
    const refusal = await h.ephemeral(eve);
    expect(refusal).toContain('You are not an approver for "readonly".');
    expect(refusal).toContain('the policy must name you as slack:U0EVE');
    await h.settle();
    expect(h.provider.count('grant')).toBe(0);
    expect(await allReviews(h.bot.ctx.store)).toHaveLength(0);
  });

  it('a profile email with a look-alike character (U+212A KELVIN SIGN) is not the person it lower-cases to', async () => {
    await h.close();
    const kate = { id: 'U0KATE', name: 'kate', email: 'kate@example.com' };
    const impostor = { id: 'U0IMPOSTOR', name: 'kate2', email: '\u212Aate@example.com' };
    expect(impostor.email.toLowerCase()).toBe(kate.email);
    const people = new Set(['kate@example.com', 'bob@example.com']);
    const policy = testPolicy([role('readonly', { requesters: people, approvers: people, autoApprove: { maxDurationMs: 15 * 60_000 } })]);
    h = await SlackHarness.start({ users: [kate, impostor, BOB], policy });
    h.provider.credentials = { username: 'kate_u', password: 'kates-own-password' };
    await h.command(kate, '/request-access', 'readonly 10m checking');
    const activeDm = await h.emu.waitFor(() => h.dms(kate).find((m) => m.text.includes('is active until')));
    await h.settle();

    await h.clickOnMessage(impostor, 'grant_show_credentials', '1', activeDm);
    expect(await h.ephemeral(impostor)).toMatch(/Only the holder of this access can see its credentials/);
    await h.command(impostor, '/access', '');
    expect(await h.ephemeral(impostor, 1)).toMatch(/no active access and no pending requests/);
    await h.command(impostor, '/access', 'revoke AR-1');
    expect(await h.ephemeral(impostor, 2)).toMatch(/Only the holder of this access or an approver/);
    await h.command(impostor, '/request-access', 'readonly 10m me too');
    expect(await h.ephemeral(impostor, 3)).toMatch(/You are not allowed to request "readonly"\..*accessbot has no email for you that it can trust, so the policy must name you as slack:U0IMPOSTOR/);

    await h.settle();
    expect(h.emu.views.filter((v) => v.user === impostor.id)).toEqual([]);
    expect(JSON.stringify(h.ephemeralsFor(impostor))).not.toContain('kates-own-password');
    expect((await filed()).map((r) => r.requesterSlackId)).toEqual([kate.id]);
    expect(h.provider.count('revoke')).toBe(0);
  });

  it('deactivated accounts and bots are refused even when the policy names their email', async () => {
    await h.command(GONE, '/request-access', 'readonly 30m ghost');
    await h.command(ROBOT, '/request-access', 'readonly 30m beep');
    await h.emu.waitFor(() => h.emu.ephemerals.length === 2 || null);
    expect(h.emu.ephemerals.find((e) => e.user === GONE.id)!.text).toMatch(/deactivated/);
    expect(h.emu.ephemerals.find((e) => e.user === ROBOT.id)!.text).toMatch(/Bots and apps cannot/);
    expect(await filed()).toEqual([]);
  });

  it('looks each person up once, then serves them from the cache', async () => {
    await h.command(ALICE, '/access', '');
    await h.command(ALICE, '/access', 'pending');
    await h.emu.waitFor(() => h.ephemeralsFor(ALICE)[1]);
    expect(h.emu.callsTo('users.info').filter((c) => c.args.user === ALICE.id)).toHaveLength(1);
  });
});

describe('/access', () => {
  it('lists my access and pending requests, with buttons, and what waits for an approver', async () => {
    await h.command(ALICE, '/access', '');
    expect(await h.ephemeral(ALICE)).toMatch(/no active access and no pending requests/);

    await h.command(ALICE, '/request-access', 'readonly 10m quick look');
    await h.command(ALICE, '/request-access', 'writer 1h fix --ticket INC-9');
    await h.emu.waitFor(() => h.ephemeralsFor(ALICE)[2]);
    await h.settle();
    await h.command(ALICE, '/access', '');
    const mine = await h.emu.waitFor(() => h.ephemeralsFor(ALICE)[3]);
    expect(visible(mine)).toMatch(/AR-1 \*readonly\*.*until/);
    expect(visible(mine)).toMatch(/AR-2 \*writer\*.*approvals 0 of 2/);
    expect(buttons(mine.blocks)).toEqual(['grant_extend_open', 'grant_revoke', 'request_cancel', 'request_expedite']);

    await h.command(BOB, '/access', 'pending');
    const pending = await h.emu.waitFor(() => h.ephemeralsFor(BOB)[0]);
    expect(visible(pending)).toMatch(/<@U0ALICE> wants \*writer\* on `orders-db` for 1h · AR-2 · ticket INC-9/);
    expect(buttons(pending.blocks)).toEqual(['request_approve', 'request_deny']);
  });

  it('someone who may not act on a request learns nothing about its state', async () => {
    await h.command(ALICE, '/request-access', 'writer 1h fix --ticket INC-9');
    expect(await h.ephemeral(ALICE)).toMatch(/Filed AR-1/);
    await h.settle();

    await h.command(MALLORY, '/access', 'revoke AR-1');
    expect(await h.ephemeral(MALLORY)).toBe('Only the holder of this access or an approver of its role can revoke it.');
    await h.command(MALLORY, '/access', 'extend AR-1 30m');
    expect(await h.ephemeral(MALLORY, 1)).toBe('Only the holder of this access can ask to extend it.');
    await h.command(MALLORY, '/access', 'cancel AR-1');
    expect(await h.ephemeral(MALLORY, 2)).toBe('Only the person who filed a request can cancel it.');
    expect(JSON.stringify(h.ephemeralsFor(MALLORY))).not.toMatch(/pending|waiting|approval/);

    // Who filed it, or may approve it, hears where it stands.
    await h.command(ALICE, '/access', 'revoke AR-1');
    expect(await h.ephemeral(ALICE, 1)).toBe('AR-1 has no access to revoke (it is pending).');
    await h.command(BOB, '/access', 'revoke AR-1');
    expect(await h.ephemeral(BOB)).toBe('AR-1 has no access to revoke (it is pending).');
    expect((await filed())[0]!.status).toBe('pending');
  });

  it('cancel, revoke and extend by id, each checked by the core', async () => {
    await h.command(ALICE, '/request-access', 'writer 1h fix --ticket INC-9');
    await h.command(ALICE, '/request-access', 'readonly 10m quick look');
    await h.emu.waitFor(() => h.ephemeralsFor(ALICE)[1]);
    await h.settle();

    await h.command(BOB, '/access', 'cancel AR-1');
    expect(await h.ephemeral(BOB)).toMatch(/Only the person who filed a request can cancel it/);
    await h.command(ALICE, '/access', 'cancel AR-1');
    expect(await h.ephemeral(ALICE, 2)).toBe('🚫 Cancelled AR-1.');

    await h.command(ALICE, '/access', 'extend AR-2 5m more time');
    expect(await h.ephemeral(ALICE, 3)).toMatch(/Extension AR-3 \(\+5m\) was auto-approved/);
    await h.command(ALICE, '/access', 'extend AR-2 4h');
    expect(await h.ephemeral(ALICE, 4)).toMatch(/exceed "readonly"'s maximum of 4h: you can extend by at most/);

    await h.command(MALLORY, '/access', 'revoke AR-2');
    expect(await h.ephemeral(MALLORY)).toMatch(/Only the holder of this access or an approver/);
    await h.command(ALICE, '/access', 'revoke AR-2 done');
    expect(await h.ephemeral(ALICE, 5)).toBe("⏹️ Ending AR-2 now; you'll get a DM when the access is gone.");
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => /was revoked/.test(m.text)));
    expect(h.provider.count('revoke')).toBe(1);
    await h.command(ALICE, '/access', 'revoke AR-2');
    expect(await h.ephemeral(ALICE, 6)).toMatch(/has already ended/);
    await h.command(ALICE, '/access', 'cancel AR-99');
    expect(await h.ephemeral(ALICE, 7)).toMatch(/There is no request AR-99/);
  });
});
