/**
 * The scheduler's jobs in /metrics: how often each ran, whether its last run failed and when it last finished,
 * plus what the waiting-requests job sent (reminder rounds, escalations). Read from the running scheduler at
 * scrape time; nothing is reported before it has started.
 */
import { Gauge, type Registry } from 'prom-client';
import type { SchedulerStatus } from '../scheduler/scheduler.ts';

export type SchedulerStatusSource = () => Promise<SchedulerStatus | null>;

export function registerSchedulerMetrics(registry: Registry, source: SchedulerStatusSource): void {
  // One status() per scrape, shared by the gauges below.
  let current: Promise<SchedulerStatus | null> | null = null;
  const status = (): Promise<SchedulerStatus | null> => (current ??= source().finally(() => (current = null)));
  const perJob = (name: string, help: string, value: (job: NonNullable<SchedulerStatus['jobs'][keyof SchedulerStatus['jobs']]>) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['job'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [job, state] of Object.entries((await status())?.jobs ?? {})) {
          const v = state ? value(state) : null;
          if (v !== null) this.set({ job }, v);
        }
      },
    });
  perJob('accessbot_scheduler_job_runs', 'Runs of each scheduler job since this process started', (job) => job.runs);
  perJob('accessbot_scheduler_job_failing', '1 when the last run of the scheduler job failed', (job) => (job.lastError ? 1 : 0));
  perJob('accessbot_scheduler_job_last_finished_seconds', 'When each scheduler job last finished (unix seconds)', (job) => (job.lastFinishedAt === null ? null : job.lastFinishedAt / 1000));
  new Gauge({
    name: 'accessbot_waiting_notices_sent',
    help: 'Reminder rounds and escalations of waiting requests this process sent since it started',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const waiting = (await status())?.waiting;
      this.reset();
      if (!waiting) return;
      this.set({ kind: 'reminder' }, waiting.reminded);
      this.set({ kind: 'escalation' }, waiting.escalated);
    },
  });
}
