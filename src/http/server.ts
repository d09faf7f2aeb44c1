/** The one HTTP server: Slack and Teams mount their routes on it; health and metrics live here. */
import express, { type Express } from 'express';
import type { AppContext } from '../app/context.ts';
import { countUndeliveredNotices } from '../app/outbox.ts';
import { overdueRevokes, type Metrics } from './metrics.ts';

export function createHttpApp(ctx: AppContext, metrics: Metrics, schedulerRunning: () => boolean): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.on('finish', () => metrics.httpRequests.inc({ route: req.path.split('/').slice(0, 3).join('/') || '/', status: String(res.statusCode) }));
    next();
  });
  app.get('/healthz', async (_req, res) => {
    const db = await ctx.store.ping().catch(() => false);
    const scheduler = schedulerRunning();
    const overdue = db ? await overdueRevokes(ctx) : 0;
    const undelivered = db ? await countUndeliveredNotices(ctx) : 0;
    // Degraded, not down: the process works and must keep running to finish the overdue revokes — or, on the
    // last good policy because the file is invalid, to keep revoking (src/app/policy-fault.ts).
    const policy = ctx.policyFault ? 'invalid_file_running_last_good' : 'ok';
    const status = !db || !scheduler ? 'down' : overdue > 0 || ctx.policyFault ? 'degraded' : 'ok';
    res
      .status(status === 'down' ? 503 : 200)
      .json({ status, db: db ? 'ok' : 'unreachable', scheduler: scheduler ? 'running' : 'stopped', revokes_overdue: overdue, notices_undelivered: undelivered, policy });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return app;
}
