/**
 * `GET /`: a small JSON status for a person or a probe that opens the bot's address (instead of Express's
 * "Cannot GET /" page). Nothing secret: the service, the chat platforms served and where health and metrics are.
 */
import type { RequestHandler } from 'express';
import type { AppContext } from '../app/context.ts';

export function statusPage(ctx: AppContext): RequestHandler {
  return (_req, res) => {
    res.json({
      service: 'accessbot',
      platforms: ctx.platforms,
      health: '/healthz',
      metrics: '/metrics',
    });
  };
}
