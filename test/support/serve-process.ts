/**
 * Real `accessbot serve` processes and a live webhook target on 127.0.0.1, for tests that need the whole bot:
 * graceful shutdown, replicas sharing one database.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { onJsonLines } from './json-lines.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Answer = (res: ServerResponse) => void;

export interface Target {
  url: string;
  events: Array<{ event: string; grant_id: string; at: number }>;
  /** How the next request of each event is answered (default: 200 at once). */
  answer: Partial<Record<string, Answer>>;
  /** Resolves when the next request for `event` arrives. */
  next(event: string): Promise<void>;
  close(): Promise<void>;
}

export async function startTarget(): Promise<Target> {
  const waiting = new Map<string, () => void>();
  const open = new Set<ServerResponse>();
  const target: Target = {
    url: '',
    events: [],
    answer: {},
    next: (event) => new Promise<void>((resolve) => waiting.set(event, resolve)),
    close: async () => {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const payload = JSON.parse(body) as { event: string; grant_id: string };
      target.events.push({ ...payload, at: Date.now() });
      open.add(res);
      res.on('close', () => open.delete(res));
      const answer = target.answer[payload.event];
      delete target.answer[payload.event];
      (answer ?? ((r: ServerResponse) => r.writeHead(200, { 'content-type': 'application/json' }).end('{}')))(res);
      waiting.get(payload.event)?.();
      waiting.delete(payload.event);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/access`;
  return target;
}

export interface Serve {
  serving: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  logs: Array<{ msg?: string; time?: string; level?: number; [key: string]: unknown }>;
  stderr: () => string;
  kill(signal: NodeJS.Signals): void;
}

export const running = new Set<Serve>();

/** SIGKILL every serve process still running and wait until they are gone (a test's afterEach). */
export async function killRunning(): Promise<void> {
  for (const s of running) s.kill('SIGKILL');
  await Promise.all([...running].map((s) => s.exited));
}

/** Start `accessbot serve`; it is SIGKILLed after `guardMs` (default 40 s) so a hung child never outlives its test. */
export function serve(env: Record<string, string>, options: { guardMs?: number } = {}): Serve {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { cwd: ROOT, env: { ...process.env, ACCESSBOT_PLAYGROUND: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Serve['logs'] = [];
  let stderr = '';
  let onServing: () => void = () => {};
  const serving = new Promise<void>((resolve) => (onServing = resolve));
  onJsonLines<Serve['logs'][number]>(child.stdout, (entry) => {
    logs.push(entry);
    if (entry.msg === 'accessbot is serving') onServing();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const guard = setTimeout(() => child.kill('SIGKILL'), options.guardMs ?? 40_000);
  const handle: Serve = {
    serving,
    logs,
    stderr: () => stderr,
    kill: (signal) => child.kill(signal),
    exited: new Promise((resolve) =>
      child.on('close', (code, signal) => {
        clearTimeout(guard);
        running.delete(handle);
        resolve({ code, signal, at: Date.now() });
      }),
    ),
  };
  running.add(handle);
  return handle;
}

