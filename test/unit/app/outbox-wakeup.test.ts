/**
 * A burst of notices is delivered by the process that queued them, all of it, right away — not the first batch
 * now and the rest at the next outbox sweep (every 5 s). The worker's dispatch ran one batch of 50 per wake-up:
 * after the last commit of a burst (100 approvals queue 200 notices) everything beyond that batch waited for
 * the sweep, and the Slack ack bench saw a round's last grant notices arrive seconds late.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { enqueueNotice } from '../../../src/app/outbox.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { RecordingPort } from '../../support/recording-port.ts';

let h: Harness;
afterEach(async () => h?.close());

describe('outbox dispatch after commit', () => {
  it('one wake-up delivers a backlog larger than one batch, without waiting for the sweep', async () => {
    const port = new RecordingPort();
    h = createHarness({ ports: [port] });
    await h.store.tx(async (uow) => {
      for (let i = 0; i < 120; i++) await enqueueNotice(uow, h.ctx, { type: 'audit.alert', code: 'checkpoint', text: `notice ${i}` }, `burst:${i}`);
    });
    h.ctx.afterCommit.noticesQueued();
    await h.worker.idle();
    expect(port.alerts()).toHaveLength(120);
    expect(port.alerts().at(-1)).toBe('notice 119');
  });
});
