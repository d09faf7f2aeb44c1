/**
 * Real `accessbot serve` processes for the benchmarks, started the way production starts them:
 * `node bin/accessbot.js serve` (the compiled JavaScript in dist/; `npm run build` first), or, to compare,
 * `node --import tsx src/cli.ts serve` (runtime 'tsx', what `npm start` ran before). The port comes from the JSON
 * log line `accessbot is serving` (read with test/support/json-lines.ts, as the tests' serve processes are). Each
 * process is killed on Ctrl-C too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { onJsonLines } from '../../test/support/json-lines.ts';
import { onInterrupt } from './cleanup.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Runtime = 'compiled' | 'tsx';

/** The node arguments that run the CLI with `args` on this runtime. */
export const cliCommand = (runtime: Runtime, args: readonly string[]): string[] =>
  runtime === 'compiled' ? ['bin/accessbot.js', ...args] : ['--import', 'tsx', 'src/cli.ts', ...args];

export interface ServeProcess {
  port: number;
  pid: number;
  child: ChildProcess;
  /** Log lines at warn level or above (pino level ≥ 40), for the report. */
  warnings: Array<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

export async function startServe(env: Record<string, string>, options: { runtime?: Runtime; startTimeoutMs?: number } = {}): Promise<ServeProcess> {
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  // BENCH_CPU_PROF=DIR: the process writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, ...cliCommand(options.runtime ?? 'compiled', ['serve'])], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const warnings: ServeProcess['warnings'] = [];
  let stderr = '';
  let onPort: (port: number) => void = () => {};
  const port = new Promise<number>((resolve, reject) => {
    onPort = resolve;
    child.once('close', (code, signal) => reject(new Error(`accessbot serve exited (${code ?? signal}) before serving: ${stderr.slice(-2000)}`)));
    setTimeout(() => reject(new Error(`accessbot serve did not log 'accessbot is serving' within ${startTimeoutMs} ms`)), startTimeoutMs).unref();
  });
  onJsonLines<{ msg?: string; level?: number; port?: number }>(child.stdout, (entry) => {
    if (entry.msg === 'accessbot is serving') onPort(Number(entry.port));
    if ((entry.level ?? 0) >= 40 && warnings.length < 200) warnings.push(entry);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-20_000)));
  const stop = onInterrupt(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  });
  try {
    const p = await port;
    return { port: p, pid: child.pid!, child, warnings, stop: () => stop() };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Resident set size of a process now and at its peak, in MB (Linux /proc). */
export function rssOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}
