/**
 * `serve` from the production bundle loads what the configured deployment uses and nothing else (idle RSS, issue
 * 16): a Slack bot over HTTP never loads the Teams adapter, botbuilder, the playground or the PostgreSQL engine;
 * a Teams bot still loads and serves Teams; and Bolt's Socket Mode client, which the build defers to its first use
 * (scripts/build.js, LAZY_REQUIRES), still connects when SLACK_APP_TOKEN is set. Which files a process loaded is
 * recorded by a module-resolution hook (node's `module.register`) that appends every URL to a file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { WebSocketServer } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { slackEmulatorRouter, SlackEmulator, startSlackEmulator } from '../../../playground/slack-emulator/index.ts';
import { onJsonLines } from '../../support/json-lines.ts';
import { buildPrivateBundle, type PrivateBundle } from '../../support/private-bundle.ts';


/** The few lines that decide whether the playground starts (its modules load only when it does). */
const PLAYGROUND_SWITCH = 'playground/server/start.ts';

const POLICY = `version: 1
resources:
  hook: { provider: webhook, url: "http://127.0.0.1:9/access", secret: "bundle-serve-test-secret-0123456789" }
roles:
  reviewed:
    resource: hook
    requesters: [alice@example.com]
    approvers: [bob@example.com]
    max_duration: 1h
`;

const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.LOADED_LOG, resolved.url + '\\n');
  return resolved;
}
`;

interface BundleServe {
  child: ChildProcess;
  port: number;
  /** Every URL the process resolved so far (chunks, externals, node builtins). */
  loaded(): string[];
}

describe('serve from the production bundle loads what the deployment uses', () => {
  let bundle: PrivateBundle;
  let work: string;
  const children = new Set<ChildProcess>();
  beforeAll(() => {
    bundle = buildPrivateBundle('bundle-serve');
    ({ work } = bundle);
    writeFileSync(join(work, 'policy.yaml'), POLICY);
    writeFileSync(join(work, 'hooks.mjs'), HOOKS);
    writeFileSync(join(work, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(work, 'hooks.mjs')).href)});\n`);
  }, 120_000);
  afterEach(async () => {
    await Promise.all(
      [...children].map(async (child) => {
        if (child.exitCode === null && child.signalCode === null) {
          const gone = new Promise((resolve) => child.once('close', resolve));
          child.kill('SIGTERM');
          await gone;
        }
      }),
    );
    children.clear();
  });
  afterAll(() => bundle?.remove());

  /** `accessbot serve` through the bundle's runCli, with only `env` (and a fresh database), once it serves. */
  async function serveBundle(name: string, env: Record<string, string>): Promise<BundleServe> {
    const log = join(work, `${name}.loaded`);
    writeFileSync(log, '');
    const script = bundle.runCliScript(['serve']);
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(work, 'register.mjs')).href, '--input-type=module', '-e', script], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', PORT: '0', ACCESSBOT_POLICY: join(work, 'policy.yaml'), ACCESSBOT_DB: join(work, `${name}.db`), LOADED_LOG: log, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const port = await new Promise<number>((resolve, reject) => {
      onJsonLines<{ msg?: string; port?: number }>(child.stdout!, (entry) => {
        if (entry.msg === 'accessbot is serving') resolve(Number(entry.port));
      });
      child.once('close', (code) => reject(new Error(`serve exited ${code} before serving: ${stderr}`)));
      setTimeout(() => reject(new Error(`serve did not start within 30 s: ${stderr}`)), 30_000).unref();
    });
    return { child, port, loaded: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  }

  const chunk = (urls: string[], name: string) => urls.some((url) => url.includes('/app/') && url.split('/').at(-1)!.startsWith(`${name}-`));
  /** The source files bundled into the chunks a process loaded (from each chunk's source map), relative to the checkout. */
  const bundledSources = (urls: string[]): string[] =>
    urls
      .filter((url) => url.startsWith('file:') && url.includes('/app/') && url.endsWith('.js'))
      .flatMap((url) => (JSON.parse(readFileSync(new URL(`${url}.map`), 'utf8')) as { sources: string[] }).sources.map((source) => source.replace(/^(\.\.\/)+/, '')));

  it('a Slack bot over HTTP loads no Teams, botbuilder, playground or PostgreSQL code', async () => {
    const emu = await startSlackEmulator({ users: [], channels: [] });
    try {
      const bot = await serveBundle('slack-http', { SLACK_BOT_TOKEN: emu.botToken, SLACK_SIGNING_SECRET: 'bundle-serve-signing-secret', SLACK_API_URL: emu.url, LOG_LEVEL: 'info' });
      expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);
      const loaded = bot.loaded();
      const sources = bundledSources(loaded);
      expect(sources).toContain('adapters/slack/index.ts');
      expect(sources).toContain('db/sqlite/engine.ts');
      expect(sources.filter((source) => /^(adapters\/teams|playground|db\/postgres)\//.test(source) && source !== PLAYGROUND_SWITCH)).toEqual([]);
      expect(loaded.filter((url) => /\/node_modules\/(botbuilder|botframework-|pg)\b/.test(url))).toEqual([]);
      // Bolt's Socket Mode client (and the undici it brings) is reached through a getter only.
      const slackChunk = readFileSync(new URL(loaded.find((url) => chunk([url], 'slack'))!), 'utf8');
      expect(slackChunk).toContain('get SocketModeClient()');
    } finally {
      await emu.close();
    }
  }, 60_000);

  it('a Teams bot loads the Teams adapter and botbuilder, and serves /api/messages', async () => {
    const bot = await serveBundle('teams', { TEAMS_EMULATOR: '1', LOG_LEVEL: 'info' });
    expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);
    const answer = await fetch(`http://127.0.0.1:${bot.port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(answer.status).toBe(400); // served by the Teams endpoint (without Teams the route is a 404)
    const loaded = bot.loaded();
    const sources = bundledSources(loaded);
    expect(sources).toContain('adapters/teams/index.ts');
    expect(loaded.some((url) => url.includes('/node_modules/botbuilder/'))).toBe(true);
    expect(sources.filter((source) => /^(adapters\/slack|playground)\//.test(source) && source !== PLAYGROUND_SWITCH)).toEqual([]);
  }, 60_000);

  it('a Slack bot in Socket Mode still opens its socket (the deferred client loads on first use)', async () => {
    const emu = new SlackEmulator({ users: [], channels: [] });
    const app = express();
    const server: Server = createServer(app);
    const opened: string[] = [];
    app.post('/api/apps.connections.open', (req, res) => {
      opened.push(req.get('authorization') ?? '');
      res.json({ ok: true, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link/` });
    });
    app.use(slackEmulatorRouter(emu));
    const wss = new WebSocketServer({ server, path: '/link/' });
    const connected = new Promise<void>((resolve) =>
      wss.on('connection', (socket) => {
        socket.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: emu.bot.appId }, debug_info: { host: 'fake' } }));
        resolve();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    emu.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      await serveBundle('slack-socket', { SLACK_BOT_TOKEN: emu.botToken, SLACK_APP_TOKEN: 'xapp-1-A0BUNDLE-socket-test', SLACK_API_URL: emu.url, LOG_LEVEL: 'info' });
      await connected;
      expect(opened).toEqual(['Bearer xapp-1-A0BUNDLE-socket-test']);
    } finally {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 60_000);
});
