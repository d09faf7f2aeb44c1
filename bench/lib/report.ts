/**
 * What every benchmark returns, and how a benchmark file runs on its own. Each bench/*.ts exports
 * `bench(mode)` → BenchResult: a table for people and a flat list of figures (each with its unit) for
 * bench/results.json. Sizes come from the mode: `full` (the default of `npm run bench`), `quick`
 * (`npm run bench -- --quick`, under 2 minutes in all) and `smoke` (tiny sizes, for the test that keeps the
 * benchmarks from rotting: it checks that they run and what they return, never how fast).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printTable } from './stats.ts';

export type Mode = 'full' | 'quick' | 'smoke';

export type Unit = 'ms' | 's' | 'MB' | 'requests/s' | 'events/s' | 'count' | 'ratio';

export interface Figure {
  /** What was measured, e.g. `ack_latency_p99`. */
  metric: string;
  /** Null when it could not be measured (the notes say why). */
  value: number | null;
  unit: Unit;
  /** Where and under what load, e.g. { app: 'accessbot', store: 'sqlite', concurrency: 20 }. */
  labels: Record<string, string | number>;
}

export interface BenchResult {
  id: string;
  title: string;
  header: string[];
  rows: string[][];
  figures: Figure[];
  /** Sizes chosen, what was skipped and why, targets met or missed. */
  notes: string[];
}

export function printResult(result: BenchResult): void {
  console.log(`\n## ${result.title}`);
  printTable(result.header, result.rows);
  for (const note of result.notes) console.log(`  * ${note}`);
}

/** Picks a size for the mode. */
export const sized = <T>(mode: Mode, sizes: { full: T; quick: T; smoke: T }): T => sizes[mode];

/** The mode from the command line (`--quick`, `--smoke`; else full). */
export function modeFrom(argv: readonly string[]): Mode {
  if (argv.includes('--smoke')) return 'smoke';
  if (argv.includes('--quick')) return 'quick';
  return 'full';
}

/**
 * When `moduleUrl` is the script being run: runs the benchmark in the mode from the command line, prints its table
 * and, with `--json-out FILE`, writes the result there (how bench/run.ts collects them).
 */
export async function runIfMain(moduleUrl: string, bench: (mode: Mode) => Promise<BenchResult>): Promise<void> {
  if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return;
  const argv = process.argv.slice(2);
  const result = await bench(modeFrom(argv));
  printResult(result);
  const at = argv.indexOf('--json-out');
  if (at >= 0 && argv[at + 1]) writeFileSync(argv[at + 1]!, JSON.stringify(result));
}

/** A figure for each of p50/p99/max of a spread. */
export function spreadFigures(metric: string, s: { p50: number; p99: number; max: number }, labels: Figure['labels'], unit: Unit = 'ms'): Figure[] {
  return (['p50', 'p99', 'max'] as const).map((stat) => ({ metric: `${metric}_${stat}`, value: Number.isFinite(s[stat]) ? round(s[stat]) : null, unit, labels }));
}

export const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;
