/** Prometheus metrics: counters bumped by the app, gauges read from the database at scrape time. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from '../app/context.ts';
import { countUndeliveredNotices } from '../app/outbox.ts';
import { countOverdueRevokes } from '../scheduler/overdue.ts';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'status'>;
  ackSeconds: Histogram<'kind'>;
}

function countGauge(registry: Registry, name: string, help: string, count: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(count());
    },
  });
}

export function createMetrics(ctx: AppContext): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'accessbot_process_' });
  const scalar = (sql: string, ...args: number[]) => ctx.db.sqlite.prepare<number[], { n: number }>(sql).get(...args)!.n;
  new Gauge({
    name: 'accessbot_grants',
    help: 'Grants by status',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of ctx.db.sqlite.prepare<[], { status: string; n: number }>('SELECT status, count(*) AS n FROM grants GROUP BY status').all()) {
        this.set({ status: row.status }, row.n);
      }
    },
  });
  countGauge(registry, 'accessbot_requests_pending', 'Requests waiting for a decision', () => scalar("SELECT count(*) AS n FROM requests WHERE status = 'pending'"));
  countGauge(registry, 'accessbot_revokes_overdue', 'Grants more than a minute past expiry (or a minute past an early revoke) and not revoked at the target yet', () => overdueRevokes(ctx));
  countGauge(registry, 'accessbot_outbox_pending', 'Chat notices not delivered yet', () => scalar("SELECT count(*) AS n FROM outbox WHERE status = 'pending'"));
  countGauge(registry, 'accessbot_outbox_dead', 'Chat notices given up after a day of failed deliveries', () => countUndeliveredNotices(ctx));
  countGauge(registry, 'accessbot_audit_events', 'Rows in the audit log', () => scalar('SELECT coalesce(max(seq), 0) AS n FROM audit_events'));
  const httpRequests = new Counter({ name: 'accessbot_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] });
  const ackSeconds = new Histogram({
    name: 'accessbot_ack_seconds',
    help: 'Time from receiving a chat request to acknowledging it',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { registry, httpRequests, ackSeconds };
}

/**
 * Revokes overdue: what /healthz calls degraded. The same count as the scheduler's status().revokeOverdue
 * (one definition, src/scheduler/overdue.ts), so /healthz, /metrics and the scheduler never disagree.
 */
export function overdueRevokes(ctx: AppContext): number {
  return countOverdueRevokes(ctx);
}
