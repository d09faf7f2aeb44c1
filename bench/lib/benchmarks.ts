/** The benchmarks `npm run bench` runs, in order: bench/<name>.ts, each exporting `bench(mode)`. */
export const BENCHMARKS = ['slack-ack', 'time-to-access', 'throughput', 'revoke-lateness', 'log-scale', 'footprint'] as const;
