import { defineConfig } from 'vitest/config';

/** Files that run one at a time, after the rest, with the machine to themselves. */
const ALONE = [
  // They create or count roles on the shared PostgreSQL server (roles are server-wide, not per database), so
  // one file's roles must never show up in another's count.
  'test/integration/providers/postgres-safety.test.ts',
  'test/integration/providers/postgres-escalation.test.ts',
  'test/integration/providers/policy-check-targets.test.ts',
  // 200 Slack commands over three real replicas, each of which must be answered 200: beside another file on
  // 2 cores an ack can miss Bolt's 3-second deadline (Bolt then answers 404).
  'test/integration/replicas/postgres-replicas.test.ts',
];

export default defineConfig({
  test: {
    // A guard against a hang, not a speed check: with two files at once a CPU-heavy test (fast-check, 200
    // in-process replicas' grants) can take twice its solo time on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker per core less one: a single worker on CI's 2 cores, so every file waited
    // for the one before, though most of the suite's time is spent waiting (child processes, sockets, timers),
    // not computing. Two at a time uses both cores.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ALONE } },
      { extends: true, test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
