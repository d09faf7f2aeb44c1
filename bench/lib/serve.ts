/**
 * Real `accessbot serve` processes for the benchmarks (the same way test/support/serve-process.ts starts them):
 * `node --import tsx src/cli.ts serve` with the given environment; the port comes from the JSON log line
 * `accessbot is serving`. Each process is killed on Ctrl-C too.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onInterrupt } from './cleanup.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServeProcess {
  port: number;
  pid: number;
  /** Log lines at warn level or above (pino level ≥ 40), for the report. */
  warnings: Array<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

export async function startServe(env: Record<string, string>, startTimeoutMs = 60_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const warnings: ServeProcess['warnings'] = [];
  let stderr = '';
  let buffered = '';
  let onPort: (port: number) => void = () => {};
  const port = new Promise<number>((resolve, reject) => {
    onPort = resolve;
    child.once('close', (code, signal) => reject(new Error(`accessbot serve exited (${code ?? signal}) before serving: ${stderr.slice(-2000)}`)));
    setTimeout(() => reject(new Error(`accessbot serve did not log 'accessbot is serving' within ${startTimeoutMs} ms`)), startTimeoutMs).unref();
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; level?: number; port?: number };
      if (entry.msg === 'accessbot is serving') onPort(Number(entry.port));
      if ((entry.level ?? 0) >= 40 && warnings.length < 200) warnings.push(entry);
    }
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
    return { port: p, pid: child.pid!, warnings, stop: () => stop() };
  } catch (error) {
    await stop();
    throw error;
  }
}
