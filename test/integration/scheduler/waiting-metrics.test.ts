/** The waiting-requests job (issue 14) runs in the scheduler and shows in /metrics, with what it sent. */
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { requestAccess } from '../../../src/app/request-access.ts';
import { createMetrics } from '../../../src/http/metrics.ts';
import { createHttpApp } from '../../../src/http/server.ts';
import { startScheduler, type Scheduler } from '../../../src/scheduler/index.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { listenOnLoopback } from '../../support/listen.ts';
import { alice, role, testPolicy } from '../../support/policy-fixture.ts';

const NEVER = '0 0 0 1 1 *';
const M = 60_000;

let h: Harness | null = null;
let scheduler: Scheduler | null = null;
let server: Server | null = null;
afterEach(async () => {
  await scheduler?.stop();
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  await h?.close();
  h = scheduler = server = null;
});

describe('/metrics and the waiting job', () => {
  it('lists every scheduler job, the waiting job among them, and counts the reminders and escalations sent', async () => {
    const waiting = { remindAfterMs: 10 * M, escalateAfterMs: 30 * M, escalation: { approvers: new Set(['dave@example.com']) }, expediteWebhook: null };
    h = createHarness({ policy: testPolicy([role('prod', { requestTtlMs: 2 * 60 * M, waiting })]) });
    await requestAccess(h.ctx, { roleName: 'prod', requester: alice, durationMs: 30 * M, reason: 'INC-1', origin: 'test' });
    const sched = startScheduler(h.ctx, { worker: h.worker, ports: () => [], sweepEvery: NEVER, remindEvery: NEVER, dispatchEvery: NEVER, reconcileEvery: NEVER, waitingEvery: NEVER, checkpointEvery: null });
    scheduler = sched;
    const app = createHttpApp(h.ctx, createMetrics(h.ctx, () => sched.status()), () => sched.healthy());
    const listening = await listenOnLoopback(app);
    server = listening.server;
    const metrics = async () => (await fetch(`${listening.base}/metrics`)).text();

    h.clock.advance(30 * M);
    await sched.runOnce();
    const text = await metrics();
    expect(text).toContain('accessbot_scheduler_job_runs{job="waiting"} 1');
    expect(text).toContain('accessbot_scheduler_job_failing{job="waiting"} 0');
    expect(text).toMatch(/accessbot_scheduler_job_last_finished_seconds\{job="waiting"\} \d+/);
    expect(text).toContain('accessbot_scheduler_job_runs{job="sweep"}');
    expect(text).toContain('accessbot_waiting_notices_sent{kind="reminder"} 1');
    expect(text).toContain('accessbot_waiting_notices_sent{kind="escalation"} 1');
  });
});
