/** How long `accessbot policy explain …` takes as a person runs it (process start included). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 10);
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'policy', 'explain', '--user', 'alice@example.com', '--role', 'writer', '--duration', '1h', '--ticket', 'INC-7'], { cwd: root, encoding: 'utf8' });
  times.push(Number(process.hrtime.bigint() - started) / 1e6);
  if (result.status !== 0 && result.status !== 1) throw new Error(`explain exited ${result.status}: ${result.stderr}`);
}
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(0);
console.log(`policy explain (whole process, ${runs} runs): p50 ${pct(0.5)} ms, min ${times[0]!.toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms`);
