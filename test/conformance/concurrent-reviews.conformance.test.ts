/**
 * Fifty reviewers click at the same instant from ten threads, each with its own connection (as ten replicas
 * would), on each store: one decision, one grant, an intact audit chain.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import type { Store } from '../../db/store/port.ts';
import { createContext } from '../../src/app/context.ts';
import { requestAccess } from '../../src/app/request-access.ts';
import { verifyAuditChain } from '../../src/audit/verify.ts';
import { silentLogger } from '../../src/logging.ts';
import { alice } from '../support/policy-fixture.ts';
import { APPROVERS, concurrencyPolicy } from '../support/concurrency-policy.ts';
import { storeKinds, type TestDatabase } from '../support/stores.ts';

const THREADS = 10;
// Worker threads do not inherit vitest's TypeScript loader: boot each one through tsx's API.
const WORKER_URL = new URL('../support/review-worker.ts', import.meta.url).href;
const TSX_API = import.meta.resolve('tsx/esm/api');
const WORKER_BOOT = `import(${JSON.stringify(TSX_API)}).then((tsx) => tsx.tsImport(${JSON.stringify(WORKER_URL)}, ${JSON.stringify(WORKER_URL)}))`;

async function race(database: TestDatabase, requestId: number, decisions: ('approve' | 'deny')[]): Promise<string[]> {
  const gate = new SharedArrayBuffer(4);
  const perThread = APPROVERS.length / THREADS;
  const where = database.kind === 'postgres' ? { databaseUrl: database.location } : { sqlitePath: database.location };
  const workers = Array.from({ length: THREADS }, (_, t) => {
    const reviewers = APPROVERS.slice(t * perThread, (t + 1) * perThread).map((email, i) => ({ email, decision: decisions[t * perThread + i]! }));
    return new Worker(WORKER_BOOT, { eval: true, workerData: { ...where, requestId, reviewers, gate } });
  });
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const done = workers.map(
    (w) =>
      new Promise<string[]>((resolve, reject) => {
        w.once('message', (m: { results: string[] }) => resolve(m.results));
        w.once('error', reject);
      }),
  );
  Atomics.store(new Int32Array(gate), 0, 1);
  Atomics.notify(new Int32Array(gate), 0);
  const results = (await Promise.all(done)).flat();
  await Promise.all(workers.map((w) => w.terminate()));
  return results;
}

async function countAudit(store: Store, action: string): Promise<number> {
  let n = 0;
  for await (const row of store.auditRows()) if (row.action === action) n++;
  return n;
}

const kinds = await storeKinds();

describe.each(kinds)('concurrent reviews: $kind', ({ skip, fresh }) => {
  let database: TestDatabase | null = null;
  let store: Store | null = null;

  async function setUp(approvalsRequired: number) {
    database = await fresh();
    store = await database.open();
    const ctx = createContext({ store, policy: concurrencyPolicy(approvalsRequired), log: silentLogger(), providers: new Map(), platforms: ['slack'], instanceId: 'seed' });
    const { view } = await requestAccess(ctx, { roleName: 'readonly', requester: alice, durationMs: 3_600_000, reason: 'race', origin: 'test' });
    return { store, database, requestId: view.id };
  }

  afterEach(async () => {
    await store?.close();
    await database?.drop();
    store = null;
    database = null;
  });

  it.skipIf(skip)('50 simultaneous approvals on 10 connections → exactly one decision and one grant', async () => {
    const { store, database, requestId } = await setUp(1);
    const results = await race(database, requestId, APPROVERS.map(() => 'approve'));
    expect(results.filter((r) => r.startsWith('crash'))).toEqual([]);
    expect(results.filter((r) => r === 'approved')).toHaveLength(1);
    expect(results.filter((r) => r === 'already_decided')).toHaveLength(49);
    expect(await store.grantOfRequest(requestId)).not.toBeNull();
    expect((await store.stats()).grantsByStatus).toEqual({ granting: 1 });
    expect(await store.reviewsOf(requestId)).toHaveLength(1);
    expect(await countAudit(store, 'request.approved')).toBe(1);
    expect((await verifyAuditChain(store)).ok).toBe(true);
  }, 60_000);

  it.skipIf(skip)('approve/deny race with two approvals needed → one terminal decision, consistent with the reviews', async () => {
    const { store, database, requestId } = await setUp(2);
    const results = await race(database, requestId, APPROVERS.map((_, i) => (i % 3 === 0 ? 'deny' : 'approve')));
    expect(results.filter((r) => r.startsWith('crash'))).toEqual([]);
    const decisive = results.filter((r) => r === 'approved' || r === 'denied');
    expect(decisive).toHaveLength(1);
    const request = await store.getRequest(requestId);
    expect(request?.status).toBe(decisive[0]);
    const reviews = await store.reviewsOf(requestId);
    if (request?.status === 'approved') expect(reviews.filter((r) => r.decision === 'approve')).toHaveLength(2);
    else expect(reviews.at(-1)?.decision).toBe('deny');
    expect(Object.values((await store.stats()).grantsByStatus).reduce((a, b) => a + b, 0)).toBe(request?.status === 'approved' ? 1 : 0);
    expect((await verifyAuditChain(store)).ok).toBe(true);
  }, 60_000);
});
