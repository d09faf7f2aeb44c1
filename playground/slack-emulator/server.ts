/** The emulator's HTTP side: `POST /api/:method` (Web API) and `POST /response/:id` (response_url). */
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import express, { type Request, type Response, type Router } from 'express';
import { SlackEmulator, type WireResponse } from './emulator.ts';
import type { EmulatorOptions } from './types.ts';

const rawBody = express.raw({ type: () => true, limit: '5mb' });

const bodyText = (req: Request): string => (Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');

function send(res: Response, answer: WireResponse): void {
  res.status(answer.status).set(answer.headers).json(answer.body);
}

/** Routes for mounting the emulator inside another express app (the playground does this). */
export function slackEmulatorRouter(emulator: SlackEmulator): Router {
  const router = express.Router();
  const api = (req: Request, res: Response): void => {
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.query)) if (typeof value === 'string') query[key] = value;
    send(
      res,
      emulator.handleApiCall({
        method: String(req.params.method),
        rawBody: bodyText(req),
        contentType: req.get('content-type') ?? '',
        authorization: req.get('authorization'),
        query,
      }),
    );
  };
  router.post('/api/:method', rawBody, api);
  router.get('/api/:method', api);
  router.post('/response/:id', rawBody, (req, res) => {
    send(res, emulator.handleResponseUrl(String(req.params.id), bodyText(req), req.get('content-type') ?? ''));
  });
  return router;
}

/** Start an emulator on 127.0.0.1 (port 0 = any free port). `emulator.url` is the slackApiUrl to give the app. */
export async function startSlackEmulator(options: EmulatorOptions = {}): Promise<SlackEmulator> {
  const emulator = new SlackEmulator(options);
  const app = express();
  app.disable('x-powered-by');
  app.use(slackEmulatorRouter(emulator));
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  emulator.baseUrl = `http://127.0.0.1:${port}/`;
  emulator.setCloser(
    () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  );
  return emulator;
}
