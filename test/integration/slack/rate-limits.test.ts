/**
 * Issue 12, item 8 through the real Bolt app: one person filing and cancelling requests as fast as they can
 * gets only as many approval cards (each mentioning every approver) as the policy's limits allow; every other
 * attempt is answered privately with when to try again, and nothing reaches the approvals channel.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, APPROVALS_CHANNEL, BOB, SlackHarness, slackTestPolicy } from './harness.ts';

let h: SlackHarness;
afterEach(async () => h?.close());

const limits = { burst: 3, refillEveryMs: 60_000, maxOpenRequests: 2, breakGlassBurst: 1 };

describe('Slack: per-person filing limits', () => {
  it('one person filing and cancelling ten requests quickly posts three cards; the rest are told to slow down', async () => {
    h = await SlackHarness.start({ policy: slackTestPolicy({ limits }) });
    for (let n = 1; n <= 10; n++) {
      const answered = h.ephemeralsFor(ALICE).length;
      await h.command(ALICE, '/request-access', `readonly 1h attempt ${n}`);
      const answer = await h.ephemeral(ALICE, answered);
      if (n <= 3) {
        expect(answer).toContain(`Filed AR-${n}`);
        await h.command(ALICE, '/access', `cancel AR-${n}`);
        await h.ephemeral(ALICE, answered + 1);
      } else {
        expect(answer).toContain('You are filing requests faster than accessbot allows (3 in a row, then one every 1m). Try again in');
      }
    }
    await h.settle();
    expect(h.cards()).toHaveLength(3);
    expect(h.emu.messages(APPROVALS_CHANNEL.id).filter((m) => m.threadTs === null && m.text.includes('attempt 4'))).toEqual([]);
    expect(h.logs.filter((line) => line.includes('request refused: filing rate limit'))).toHaveLength(7);

    // A minute later one more goes through; someone else was never held up.
    h.clock.advance(60_000);
    const answered = h.ephemeralsFor(ALICE).length;
    await h.command(ALICE, '/request-access', 'readonly 1h after a minute');
    expect(await h.ephemeral(ALICE, answered)).toContain('Filed AR-4');
    await h.command(BOB, '/request-access', 'readonly 1h bob too');
    expect(await h.ephemeral(BOB)).toContain('Filed AR-5');
    await h.settle();
    expect(h.cards()).toHaveLength(5);
  });

  it('refuses a request past the open-requests cap, with the command to withdraw one', async () => {
    h = await SlackHarness.start({ policy: slackTestPolicy({ limits: { ...limits, burst: 10 } }) });
    await h.command(ALICE, '/request-access', 'readonly 1h one');
    await h.ephemeral(ALICE, 0);
    await h.command(ALICE, '/request-access', 'writer 1h two --ticket INC-7');
    await h.ephemeral(ALICE, 1);
    await h.command(ALICE, '/request-access', 'breakglass 1h three');
    const answer = await h.ephemeral(ALICE, 2);
    expect(answer).toContain('You already have 2 requests waiting for approval, the most accessbot takes from one person at once.');
    expect(answer).toContain('/access cancel AR-2');
    await h.settle();
    expect(h.cards()).toHaveLength(2);
  });
});
