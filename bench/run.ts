/**
 * `npm run bench`: runs every benchmark script in this folder one after another and prints their numbers.
 * Benchmarks print; they never assert. Pass names to run a subset: `npm run bench -- revoke-lateness`.
 * Helpers shared by the scripts live in lib/ and are not run. The PostgreSQL halves use ACCESSBOT_BENCH_PG_URL
 * (default postgres://postgres@127.0.0.1:5432/test) and are skipped, with a line saying so, when it does not answer.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const folder = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const scripts = readdirSync(folder)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

let failed = 0;
for (const script of scripts) {
  process.stdout.write(`\n=== ${script}\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${folder}${script}`], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) failed++;
  process.stdout.write(`--- ${script}: ${result.status === 0 ? 'done' : `exit ${result.status}`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
process.exitCode = failed ? 1 : 0;
