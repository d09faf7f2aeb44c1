/**
 * `npm run bench`: every benchmark, one after another, each in its own process; prints one table per benchmark
 * and writes bench/results.json (machine, node version, time, every figure with its unit). Benchmarks print;
 * they never assert.
 *   npm run bench                      full sizes (~10 minutes on 2 cores)
 *   npm run bench -- --quick           smaller sizes (under 2 minutes)
 *   npm run bench -- ack footprint     only these (by file name prefix)
 * The bot runs as production runs it, compiled (`npm run build` runs first, as `npm start` does). The
 * PostgreSQL halves use ACCESSBOT_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test) and are skipped,
 * with a line saying so, when it does not answer.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCHMARKS } from './lib/benchmarks.ts';
import { modeFrom, printResult, type BenchResult } from './lib/report.ts';
import { ROOT } from './lib/serve.ts';


const argv = process.argv.slice(2);
const mode = modeFrom(argv);
const wanted = argv.filter((a) => !a.startsWith('--'));
const chosen = BENCHMARKS.filter((name) => wanted.length === 0 || wanted.some((w) => name.startsWith(w)));

const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) throw new Error('npm run build failed');

const started = new Date();
const dir = mkdtempSync(join(tmpdir(), 'accessbot-bench-run-'));
const results: Array<BenchResult & { seconds: number }> = [];
const failed: Array<{ id: string; error: string }> = [];
console.log(`accessbot benchmarks, ${mode} mode, on ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}`);
try {
  for (const name of chosen) {
    console.log(`\n=== ${name} …`);
    const out = join(dir, `${name}.json`);
    const t0 = Date.now();
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), `--${mode}`, '--json-out', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const seconds = (Date.now() - t0) / 1000;
    if (child.status !== 0) {
      failed.push({ id: name, error: `exit ${child.status ?? child.signal}` });
      console.log(`--- ${name}: FAILED (exit ${child.status ?? child.signal}) after ${seconds.toFixed(1)} s`);
      continue;
    }
    const result = JSON.parse(readFileSync(out, 'utf8')) as BenchResult;
    results.push({ ...result, seconds });
    printResult(result);
    console.log(`--- ${name}: ${seconds.toFixed(1)} s`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const total = (Date.now() - started.getTime()) / 1000;
const report = {
  machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? null, memoryGb: Math.round(totalmem() / 1e8) / 10, platform: `${process.platform} ${process.arch}` },
  node: process.version,
  mode,
  startedAt: started.toISOString(),
  seconds: Math.round(total),
  benchmarks: results.map((r) => ({ id: r.id, title: r.title, seconds: Math.round(r.seconds), notes: r.notes, figures: r.figures })),
  failed,
};
const file = fileURLToPath(new URL('./results.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${results.length} benchmarks in ${(total / 60).toFixed(1)} min; figures written to bench/results.json${failed.length ? `; FAILED: ${failed.map((f) => f.id).join(', ')}` : ''}`);
process.exitCode = failed.length ? 1 : 0;
