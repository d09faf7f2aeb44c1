/** Starts child.ts as a real process (node + tsx) and collects its JSON-line events. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onJsonLines } from '../../support/json-lines.ts';

export const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ChildEvent {
  event: string;
  pid: number;
  instance: string;
  at: number;
  [key: string]: unknown;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: ChildEvent[];
  stderr: string;
}

export interface RunningChild {
  result: Promise<ChildResult>;
  /** Resolves with the child's "ready" event (rejects if it exits first). */
  ready: Promise<ChildEvent>;
}

export function startChild(vars: Record<string, string | number | undefined>, timeoutMs = 30_000): RunningChild {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...vars })) if (value !== undefined) env[key] = String(value);
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: ChildEvent[] = [];
  let stderr = '';
  let onReady: (event: ChildEvent) => void = () => {};
  let onExitEarly: (error: Error) => void = () => {};
  const ready = new Promise<ChildEvent>((resolve, reject) => {
    onReady = resolve;
    onExitEarly = reject;
  });
  ready.catch(() => {});
  onJsonLines<ChildEvent>(child.stdout, (event) => {
    events.push(event);
    if (event.event === 'ready') onReady(event);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = new Promise<ChildResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      onExitEarly(new Error(`child exited before it was ready (code ${code}, signal ${signal}): ${stderr}`));
      resolve({ code, signal, events, stderr });
    });
  });
  return { result, ready };
}

export function runChild(vars: Record<string, string | number | undefined>, timeoutMs?: number): Promise<ChildResult> {
  return startChild(vars, timeoutMs).result;
}
