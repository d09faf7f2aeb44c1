/**
 * The JSON log lines of a child process (pino's output, or a test child's events), one parsed object per line
 * as the lines arrive; lines that are not JSON objects (a stray banner) are passed over. Used by the tests'
 * serve and crash children (test/support/serve-process.ts, test/integration/crash/run-child.ts) and by the
 * benchmarks' serve processes (bench/lib/serve.ts); it depends on nothing else.
 */
import type { Readable } from 'node:stream';

export function onJsonLines<T = Record<string, unknown>>(stream: Readable, onEntry: (entry: T) => void): void {
  let buffered = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (!line.startsWith('{')) continue;
      onEntry(JSON.parse(line) as T);
    }
  });
}
