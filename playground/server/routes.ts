/**
 * The playground's HTTP side, mounted on the bot's own server: the page (plain static files, no build step),
 * a JSON API the page calls for what a person does, and server-sent events telling the page to refresh.
 * It answers only on this machine (loopback): whoever reaches it may act as anyone in the playground.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { PlaygroundInputError, type Playground } from './playground.ts';

/** The page's files: next to this folder in a checkout; from the working directory when run from a build. */
export function webRoot(): string {
  const beside = fileURLToPath(new URL('../web/', import.meta.url));
  return existsSync(join(beside, 'index.html')) ? beside : join(process.cwd(), 'playground', 'web');
}

const user = z.string().regex(/^[UW][A-Z0-9]+$/, 'a Slack user id such as U0ALICE');
const option = z.object({ text: z.object({ type: z.literal('plain_text'), text: z.string(), emoji: z.boolean() }), value: z.string() });
/** `view.state.values` as Slack sends it: block_id → action_id → the element's value. */
const stateValues = z.record(
  z.string(),
  z.record(
    z.string(),
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('plain_text_input'), value: z.string().max(3000).nullable() }),
      z.object({ type: z.literal('static_select'), selected_option: option.nullable() }),
      z.object({ type: z.literal('checkboxes'), selected_options: z.array(option) }),
      z.object({ type: z.literal('radio_buttons'), selected_option: option.nullable() }),
      z.object({ type: z.literal('datepicker'), selected_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable() }),
    ]),
  ),
);

const commandBody = z.object({ user, channel: z.string().regex(/^[CDG][A-Z0-9]+$/), text: z.string().max(4000) }).strict();
const clickBody = z
  .object({
    user,
    source: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('message'), channel: z.string(), ts: z.string() }).strict(),
      z.object({ kind: z.literal('ephemeral'), ts: z.string() }).strict(),
      z.object({ kind: z.literal('view'), viewId: z.string() }).strict(),
    ]),
    action: z
      .object({ actionId: z.string().min(1), blockId: z.string().optional(), value: z.string().optional(), text: z.string().optional(), style: z.enum(['primary', 'danger']).optional() })
      .strict(),
    stateValues: stateValues.default({}),
  })
  .strict();
const submitBody = z.object({ user, viewId: z.string().min(1), values: stateValues }).strict();
const viewBody = z.object({ user, viewId: z.string().min(1) }).strict();
const userBody = z.object({ user }).strict();

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function loopbackOnly(req: Request, res: Response, next: NextFunction): void {
  if (LOOPBACK.has(req.socket.remoteAddress ?? '')) return next();
  res.status(403).type('text').send('The accessbot playground answers only on this machine: open http://localhost:PORT/ there.');
}

/** Parse the body with `schema`, run `work`, and answer JSON; bad input gets a 400 saying what is wrong. */
function handle<T>(schema: z.ZodType<T>, work: (body: T) => Promise<unknown> | unknown) {
  return async (req: Request, res: Response): Promise<void> => {
    const parsed = schema.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
      return;
    }
    try {
      res.json((await work(parsed.data)) ?? { ok: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      res.status(error instanceof PlaygroundInputError ? 400 : 502).json({ error: message });
    }
  };
}

export function playgroundRouter(playground: Playground): Router {
  const router = express.Router();
  const root = webRoot();
  router.get('/', loopbackOnly, (_req, res) => res.sendFile(join(root, 'index.html')));
  router.use('/playground', loopbackOnly);
  router.use('/playground/web', express.static(root, { fallthrough: false, index: false }));
  const api = express.Router();
  api.use(express.json({ limit: '256kb' }));
  api.get('/state', (req, res) => {
    // Without ?user= the first person of the policy (the page's first visit).
    const parsed = user.safeParse(req.query.user ?? playground.people[0]?.user.id);
    if (!parsed.success) return void res.status(400).json({ error: 'user: give ?user=<a playground user id>' });
    try {
      res.json(playground.snapshot(parsed.data));
    } catch (error) {
      res.status(400).json({ error: error instanceof Error ? error.message : String(error) });
    }
  });
  api.post('/command', handle(commandBody, (b) => playground.command(b.user, b.channel, b.text)));
  api.post('/click', handle(clickBody, (b) => playground.click(b.user, b.source, b.action, b.stateValues)));
  api.post('/submit', handle(submitBody, (b) => playground.submit(b.user, b.viewId, b.values)));
  api.post('/close', handle(viewBody, (b) => playground.closeModal(b.user, b.viewId)));
  api.post('/home', handle(userBody, (b) => playground.openHome(b.user)));
  api.get('/events', (req, res) => {
    res.set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    let pending: NodeJS.Timeout | null = null;
    const unsubscribe = playground.onChange(() => {
      pending ??= setTimeout(() => {
        pending = null;
        res.write('event: change\ndata: {}\n\n');
      }, 30);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const forget = playground.addStream(() => res.end());
    res.write('event: change\ndata: {}\n\n');
    req.on('close', () => {
      unsubscribe();
      forget();
      clearInterval(heartbeat);
      if (pending) clearTimeout(pending);
    });
  });
  router.use('/playground/api', api);
  return router;
}
