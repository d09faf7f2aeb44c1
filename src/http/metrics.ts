/** Prometheus metrics: counters bumped by the app, gauges read from the store at scrape time. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StoreStats } from '../../db/store/port.ts';
import type { AppContext } from '../app/context.ts';
import { countUndeliveredNotices } from '../app/outbox.ts';
import { countOverdueRevokes } from '../app/overdue.ts';
import { registerSchedulerMetrics, type SchedulerStatusSource } from './scheduler-metrics.ts';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'status'>;
  ackSeconds: Histogram<'kind'>;
  /** Chat requests that arrived while the work budget was full (src/chat/work-budget.ts), by how they started. */
  chatRequestsWaited: Counter<'outcome'>;
}

function countGauge(registry: Registry, name: string, help: string, count: () => Promise<number>): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      this.set(await count());
    },
  });
}

export function createMetrics(ctx: AppContext, scheduler?: SchedulerStatusSource): Metrics {
  const registry = new Registry();
  // Default metrics carry their own "process_"/"nodejs_" names: accessbot_process_cpu_seconds_total, …
  collectDefaultMetrics({ register: registry, prefix: 'accessbot_' });
  // The gauges of one scrape are collected together: they share one stats() call.
  let current: Promise<StoreStats> | null = null;
  const stats = (): Promise<StoreStats> => (current ??= ctx.store.stats().finally(() => (current = null)));
  new Gauge({
    name: 'accessbot_grants',
    help: 'Grants by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { grantsByStatus } = await stats();
      this.reset();
      for (const [status, n] of Object.entries(grantsByStatus)) this.set({ status }, n);
    },
  });
  countGauge(registry, 'accessbot_requests_pending', 'Requests waiting for a decision', async () => (await stats()).pendingRequests);
  countGauge(registry, 'accessbot_revokes_overdue', 'Grants more than a minute past expiry (or a minute past an early revoke) and not revoked at the target yet', () => overdueRevokes(ctx));
  countGauge(registry, 'accessbot_outbox_pending', 'Chat notices not delivered yet', async () => (await stats()).pendingNotices);
  countGauge(registry, 'accessbot_outbox_dead', 'Chat notices given up after a day of failed deliveries', () => countUndeliveredNotices(ctx));
  countGauge(registry, 'accessbot_audit_events', 'Rows in the audit log', async () => (await stats()).auditEvents);
  if (scheduler) registerSchedulerMetrics(registry, scheduler);
  const httpRequests = new Counter({ name: 'accessbot_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] });
  const ackSeconds = new Histogram({
    name: 'accessbot_ack_seconds',
    help: 'Time from receiving a chat request to acknowledging it',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const chatRequestsWaited = new Counter({
    name: 'accessbot_chat_requests_waited_total',
    help: 'Chat requests that waited to start because the bot was already working on its limit of them: outcome "slot" (one came free) or "overran" (started anyway after the longest wait)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  return { registry, httpRequests, ackSeconds, chatRequestsWaited };
}

/**
 * Revokes overdue: what /healthz calls degraded. The same count as the scheduler's status().revokeOverdue
 * (one definition, src/app/overdue.ts), so /healthz, /metrics and the scheduler never disagree.
 */
export function overdueRevokes(ctx: AppContext): Promise<number> {
  return countOverdueRevokes(ctx);
}
