/** Fifty reviewers click at the same instant on several SQLite connections: one decision, one grant. */
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { eq } from 'drizzle-orm';
import { auditEvents, grants, requests, reviews } from '../../db/schema.ts';
import { requestAccess } from '../../src/app/request-access.ts';
import { verifyAuditChain } from '../../src/audit/verify.ts';
import { alice } from '../support/policy-fixture.ts';
import { APPROVERS, concurrencyPolicy } from '../support/concurrency-policy.ts';
import { createHarness } from '../support/core-harness.ts';

const THREADS = 10;
// Worker threads do not inherit vitest's TypeScript loader: boot each one through tsx's API.
const WORKER_URL = new URL('../support/review-worker.ts', import.meta.url).href;
const TSX_API = import.meta.resolve('tsx/esm/api');
const WORKER_BOOT = `import(${JSON.stringify(TSX_API)}).then((tsx) => tsx.tsImport(${JSON.stringify(WORKER_URL)}, ${JSON.stringify(WORKER_URL)}))`;

async function race(dbPath: string, requestId: number, decisions: ('approve' | 'deny')[]): Promise<string[]> {
  const gate = new SharedArrayBuffer(4);
  const perThread = APPROVERS.length / THREADS;
  const workers = Array.from({ length: THREADS }, (_, t) => {
    const reviewers = APPROVERS.slice(t * perThread, (t + 1) * perThread).map((email, i) => ({ email, decision: decisions[t * perThread + i]! }));
    return new Worker(WORKER_BOOT, { eval: true, workerData: { dbPath, requestId, reviewers, gate } });
  });
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const done = workers.map((w) => new Promise<string[]>((resolve, reject) => {
    w.once('message', (m: { results: string[] }) => resolve(m.results));
    w.once('error', reject);
  }));
  Atomics.store(new Int32Array(gate), 0, 1);
  Atomics.notify(new Int32Array(gate), 0);
  const results = (await Promise.all(done)).flat();
  await Promise.all(workers.map((w) => w.terminate()));
  return results;
}

describe('concurrent reviews', () => {
  it('50 simultaneous approvals on 10 connections → exactly one decision and one grant', async () => {
    const h = createHarness({ policy: concurrencyPolicy() });
    try {
      const { view } = requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 3_600_000, reason: 'race', origin: 'test' });
      const results = await race(h.dbPath, view.id, APPROVERS.map(() => 'approve'));
      expect(results.filter((r) => r.startsWith('crash'))).toEqual([]);
      expect(results.filter((r) => r === 'approved')).toHaveLength(1);
      expect(results.filter((r) => r === 'already_decided')).toHaveLength(49);
      expect(h.db.orm.select().from(grants).all()).toHaveLength(1);
      expect(h.db.orm.select().from(reviews).all()).toHaveLength(1);
      expect(h.db.orm.select().from(auditEvents).where(eq(auditEvents.action, 'request.approved')).all()).toHaveLength(1);
      expect(verifyAuditChain(h.db).ok).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('approve/deny race with two approvals needed → one terminal decision, consistent with the reviews', async () => {
    const h = createHarness({ policy: concurrencyPolicy(2) });
    try {
      const { view } = requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 3_600_000, reason: 'race', origin: 'test' });
      const results = await race(h.dbPath, view.id, APPROVERS.map((_, i) => (i % 3 === 0 ? 'deny' : 'approve')));
      expect(results.filter((r) => r.startsWith('crash'))).toEqual([]);
      const decisive = results.filter((r) => r === 'approved' || r === 'denied');
      expect(decisive).toHaveLength(1);
      const request = h.db.orm.select().from(requests).get()!;
      expect(request.status).toBe(decisive[0]);
      expect(h.db.orm.select().from(grants).all()).toHaveLength(request.status === 'approved' ? 1 : 0);
      expect(verifyAuditChain(h.db).ok).toBe(true);
    } finally {
      await h.close();
    }
  });
});
