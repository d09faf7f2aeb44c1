/** Worker thread for the concurrency test: its own store connection, reviews fired when the gate opens. */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../../db/store/open.ts';
import { createContext } from '../../src/app/context.ts';
import { review } from '../../src/app/review.ts';
import { isAccessError } from '../../src/domain/errors.ts';
import { silentLogger } from '../../src/logging.ts';
import { concurrencyPolicy } from './concurrency-policy.ts';
import { asRequestId } from '../../src/domain/request-id.ts';

interface Job {
  sqlitePath?: string;
  databaseUrl?: string;
  requestId: number;
  reviewers: { email: string; decision: 'approve' | 'deny' }[];
  gate: SharedArrayBuffer;
}

const job = workerData as Job;
const store = await openStore({ migrate: false, ...(job.databaseUrl ? { databaseUrl: job.databaseUrl } : { sqlitePath: job.sqlitePath! }) });
const ctx = createContext({ store, policy: concurrencyPolicy(), log: silentLogger(), providers: new Map(), platforms: ['slack'], instanceId: `worker-${process.pid}` });
const gate = new Int32Array(job.gate);
parentPort!.postMessage({ ready: true });
Atomics.wait(gate, 0, 0);
const results = await Promise.all(
  job.reviewers.map(async ({ email, decision }) => {
    try {
      return (await review(ctx, { requestId: asRequestId(job.requestId), reviewer: { email }, decision })).outcome.kind;
    } catch (error) {
      if (isAccessError(error)) return error.code;
      return `crash: ${String(error)}`;
    }
  }),
);
await store.close();
parentPort!.postMessage({ results });
