/** Prometheus metrics: counters bumped by the app, gauges read from the database at scrape time. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from '../app/context.ts';

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
  countGauge(registry, 'accessbot_revokes_overdue', 'Grants more than a minute past expiry that are not revoked yet', () =>
    scalar("SELECT count(*) AS n FROM grants WHERE status IN ('granting','active','revoking') AND expires_at < ?", ctx.clock.now() - 60_000),
  );
  countGauge(registry, 'accessbot_outbox_pending', 'Chat notices not delivered yet', () => scalar("SELECT count(*) AS n FROM outbox WHERE status = 'pending'"));
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

/** Grants more than a minute past expiry and not revoked: what /healthz calls degraded. */
export function overdueRevokes(ctx: AppContext): number {
  return ctx.db.sqlite
    .prepare<[number], { n: number }>("SELECT count(*) AS n FROM grants WHERE status IN ('granting','active','revoking') AND expires_at < ?")
    .get(ctx.clock.now() - 60_000)!.n;
}
