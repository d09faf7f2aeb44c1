/**
 * Daylight-saving changes in the policy timezone (Europe/Berlin): the jobs keep their rhythm through the skipped
 * and the repeated hour, and expiries and reminders (absolute instants) happen on time either way.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Notice } from '../../../src/app/ports.ts';
import { startScheduler, type Scheduler } from '../../../src/scheduler/index.ts';
import type { Harness } from '../../support/core-harness.ts';
import { auditOf, fakeTimeHarness, fileGrant, grantRow, M, recordOutbox, recordingPort } from './support.ts';

const SPRING_FORWARD = Date.UTC(2026, 2, 29, 1, 0, 0); // 02:00 CET → 03:00 CEST
const FALL_BACK = Date.UTC(2026, 9, 25, 1, 0, 0); // 03:00 CEST → 02:00 CET

let h: Harness | null = null;
let scheduler: Scheduler | null = null;
afterEach(async () => {
  await scheduler?.stop();
  await h?.close();
  h = scheduler = null;
  vi.useRealTimers();
});

describe.each([
  ['spring forward (the local hour 02:00–03:00 does not exist)', SPRING_FORWARD],
  ['fall back (the local hour 02:00–03:00 happens twice)', FALL_BACK],
])('%s', (_label, change) => {
  it('the sweep keeps running every 5 s and reminders and revokes happen at their instants', async () => {
    vi.useFakeTimers({ now: change - 10 * M });
    const port = recordingPort();
    h = fakeTimeHarness({ ports: [port] });
    const outbox = recordOutbox(h);
    expect(h.ctx.policy.timezone).toBe('Europe/Berlin');
    // Expires 30 s after the change; its reminder is due 5 minutes before, i.e. just before the change.
    const id = await fileGrant(h, 10 * M + 30_000);
    await h.worker.idle();
    scheduler = startScheduler(h.ctx, { worker: h.worker, ports: () => [port], reconcileEvery: '0 0 0 1 1 *' });
    const sweepsAt: number[] = [];
    const runs = async () => (await scheduler!.status()).jobs.sweep!.runs;
    let seen = await runs();
    for (let t = 0; t < 20 * M; t += 1_000) {
      await vi.advanceTimersByTimeAsync(1_000);
      if ((await runs()) !== seen) {
        seen = await runs();
        sweepsAt.push(Date.now());
      }
    }
    await h.worker.idle();
    const gaps = sweepsAt.slice(1).map((at, i) => at - sweepsAt[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(5_000);
    expect(sweepsAt.length).toBeGreaterThanOrEqual(20 * 12 - 2);
    expect(sweepsAt.length).toBeLessThanOrEqual(20 * 12 + 2);
    const jobs = (await scheduler.status()).jobs;
    expect(jobs.dispatch!.runs).toBeGreaterThanOrEqual(20 * 12 - 2); // chat delivery and retries did not pause either
    expect(jobs.reminders!.runs).toBeGreaterThanOrEqual(20 * 2 - 1);

    const row = await grantRow(h, id);
    expect(row).toMatchObject({ status: 'revoked', revokedAt: change + 30_000 });
    expect((await auditOf(h, 'grant.revoked'))[0]!.details).toMatchObject({ late_ms: 0 });
    const reminders = port.seen.filter((n: Notice) => n.type === 'grant.changed' && n.event === 'expiring_soon');
    expect(reminders).toHaveLength(1);
    const reminderRow = outbox.rows().find((r) => r.dedupeKey.startsWith('reminder:'))!;
    expect(reminderRow.createdAt).toBeGreaterThanOrEqual(change + 30_000 - 5 * M);
    expect(reminderRow.createdAt).toBeLessThanOrEqual(change + 30_000 - 5 * M + 30_000);
  });
});
