/**
 * POST /api/messages on the shared express server. The JSON parser is mounted on this route only (a global one
 * would break Slack's signature check). A body that is not JSON, not an object or not an activity gets 400 with
 * a short reason, never a stack trace; authentication failures get 401 (botbuilder, see auth.ts); anything that
 * goes wrong in accessbot after that is logged and answered 500 without details.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { Logger } from '../../src/logging.ts';

export const TEAMS_MESSAGES_PATH = '/api/messages';

/** Bot Framework activities are small; Teams caps a message at about 28 KB. */
const BODY_LIMIT = '1mb';

function badRequest(res: Response, reason: string): void {
  if (!res.headersSent) res.status(400).json({ error: 'bad_request', reason });
}

/** Why this body is not an activity, or null when it looks like one. */
function notAnActivity(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object (a Bot Framework activity)';
  const activity = body as Record<string, unknown>;
  if (typeof activity.type !== 'string' || activity.type === '') return 'the activity has no type';
  if (activity.serviceUrl !== undefined && typeof activity.serviceUrl !== 'string') return 'serviceUrl must be a string';
  if (activity.conversation !== undefined && (typeof activity.conversation !== 'object' || activity.conversation === null)) return 'conversation must be an object';
  if (activity.from !== undefined && (typeof activity.from !== 'object' || activity.from === null)) return 'from must be an object';
  return null;
}

export function mountTeamsEndpoint(http: Express, adapter: CloudAdapter, logic: (context: TurnContext) => Promise<void>, log: Logger): void {
  http.post(
    TEAMS_MESSAGES_PATH,
    express.json({ limit: BODY_LIMIT, type: () => true }),
    async (req: Request, res: Response) => {
      const problem = notAnActivity(req.body);
      if (problem) {
        badRequest(res, problem);
        return;
      }
      try {
        await adapter.process(req, res, logic);
      } catch (error) {
        log.error({ err: error instanceof Error ? error.message : String(error) }, 'Teams request failed');
        if (!res.headersSent) res.status(500).json({ error: 'internal_error' });
      }
    },
    (error: unknown, _req: Request, res: Response, next: NextFunction) => {
      const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        if (!res.headersSent) res.status(status === 413 ? 413 : 400).json({ error: status === 413 ? 'too_large' : 'bad_request', reason: status === 413 ? 'the body is too large' : 'the body is not valid JSON' });
        return;
      }
      next(error);
    },
  );
}
