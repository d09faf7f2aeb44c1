/**
 * What happened during a grant, where people look (issue 15): the card's thread at the end, `/access` and App
 * Home for recently ended grants — with the activity the target reported at the revoke.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APPROVALS_CHANNEL, ALICE, BOB, SlackHarness, visible } from './harness.ts';

let h: SlackHarness;
beforeEach(async () => {
  h = await SlackHarness.start();
});
afterEach(async () => h.close());

describe('activity in Slack', () => {
  it('the thread ends with it, and the holder sees it for recently ended grants in /access and App Home', async () => {
    h.provider.revokeActivity = {
      source: 'recording',
      sessions: [
        { startedAt: '2026-12-06T09:00:00Z', client: '10.0.0.5', application: 'psql', database: 'orders' },
        { startedAt: '2026-12-06T09:10:00Z', client: '10.0.0.5', application: '<!channel>', database: 'orders' },
      ],
      statements: [
        { text: 'SELECT * FROM orders WHERE id = $1', calls: 12 },
        { text: '<!here> *drop* everything', calls: 2 },
      ],
      events: [],
      statementsUnavailable: null,
    };
    await h.command(ALICE, '/request-access', 'readonly 10m checking INC-4');
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('is active until')));
    await h.command(ALICE, '/access', 'revoke AR-1 done');
    await h.emu.waitFor(() => h.dms(ALICE).find((m) => /was revoked/.test(m.text)));
    await h.settle();

    const card = await h.card();
    const last = await h.emu.waitFor(() => h.emu.thread(APPROVALS_CHANNEL.id, card.ts).find((m) => m.text.startsWith('⏹️')));
    expect(last.text).toMatch(/Activity: ran 14 statements \(2 distinct\) in 2 sessions\.$/);

    await h.command(ALICE, '/access', '');
    const mine = visible(await h.emu.waitFor(() => h.ephemeralsFor(ALICE).find((e) => visible(e).includes('Recently ended'))));
    expect(mine).toContain('Activity: ran 14 statements (2 distinct) in 2 sessions');
    expect(mine).not.toContain('<!here>');
    expect(mine).not.toContain('<!channel>');

    await h.openHome(ALICE);
    const home = JSON.stringify((await h.emu.waitFor(() => h.emu.homeView(ALICE.id))).blocks);
    expect(home).toContain('Recently ended');
    expect(home).toContain('Activity: ran 14 statements (2 distinct) in 2 sessions');

    // Only the holder's own views show it.
    await h.command(BOB, '/access', '');
    expect(visible(await h.emu.waitFor(() => h.ephemeralsFor(BOB)[0]))).not.toContain('Recently ended');
  });
});
