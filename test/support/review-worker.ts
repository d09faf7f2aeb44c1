/** Worker thread for the concurrency test: its own SQLite connection, reviews fired when the gate opens. */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../db/client.ts';
import { DEFAULT_RETRY, noAfterCommit, type AppContext } from '../../src/app/context.ts';
import { review } from '../../src/app/review.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { isAccessError } from '../../src/domain/errors.ts';
import { silentLogger } from '../../src/logging.ts';
import { concurrencyPolicy } from './concurrency-policy.ts';

interface Job {
  dbPath: string;
  requestId: number;
  reviewers: { email: string; decision: 'approve' | 'deny' }[];
  gate: SharedArrayBuffer;
}

const job = workerData as Job;
const db = openDatabase(job.dbPath, { migrate: false, busyTimeoutMs: 30_000 });
const ctx: AppContext = {
  db,
  policy: concurrencyPolicy(),
  clock: systemClock,
  log: silentLogger(),
  providers: new Map(),
  platforms: ['slack'],
  secretKey: null,
  instanceId: `worker-${process.pid}`,
  afterCommit: noAfterCommit,
  retry: DEFAULT_RETRY,
  random: Math.random,
};
const gate = new Int32Array(job.gate);
parentPort!.postMessage({ ready: true });
Atomics.wait(gate, 0, 0);
const results = job.reviewers.map(({ email, decision }) => {
  try {
    return review(ctx, { requestId: job.requestId, reviewer: { email }, decision }).outcome.kind;
  } catch (error) {
    if (isAccessError(error)) return error.code;
    return `crash: ${String(error)}`;
  }
});
db.close();
parentPort!.postMessage({ results });
