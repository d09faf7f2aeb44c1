/**
 * One conformance suite, run against both stores: a SQLite file and a real PostgreSQL database. Every
 * invariant the core relies on must hold on each when separate connections (as separate replicas would) race:
 * N-of-M counted exactly into one grant, an unforked audit chain, exclusive leases, each notice delivered once,
 * each digest period claimed once, one pending request per person and role, times past 2^31 ms.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { GrantChange, GrantRecord, Store } from '../../db/store/port.ts';
import { copySqliteInto } from '../../db/store/copy.ts';
import { openSqliteStore } from '../../db/store/open.ts';
import { SQLITE_MIGRATIONS } from '../../db/sqlite/engine.ts';
import { createContext, type AppContext } from '../../src/app/context.ts';
import { dispatchOutbox } from '../../src/app/outbox.ts';
import type { ChatPort, Notice } from '../../src/app/ports.ts';
import { postDigest } from '../../src/app/post-digest.ts';
import { requestAccess } from '../../src/app/request-access.ts';
import { review } from '../../src/app/review.ts';
import { appendAudit } from '../../src/audit/chain.ts';
import { verifyAuditChain } from '../../src/audit/verify.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { isAccessError } from '../../src/domain/errors.ts';
import type { Policy } from '../../src/domain/policy.ts';
import { silentLogger } from '../../src/logging.ts';
import { tempDbPath } from '../support/core-harness.ts';
import { alice, bob, carol, testPolicy } from '../support/policy-fixture.ts';
import { RecordingProvider } from '../support/recording-provider.ts';
import { storeKinds, type TestDatabase } from '../support/stores.ts';
import { type RequestId } from '../../src/domain/request-id.ts';

const kinds = await storeKinds();

function contextOn(store: Store, options: { instanceId: string; clock?: ManualClock; policy?: Policy; platforms?: string[] }): AppContext {
  return createContext({
    store,
    policy: options.policy ?? testPolicy(),
    log: silentLogger(),
    providers: new Map([['orders-db', new RecordingProvider()]]),
    instanceId: options.instanceId,
    platforms: options.platforms ?? ['slack'],
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

describe.each(kinds)('store conformance: $kind', ({ skip, fresh }) => {
  let database: TestDatabase;
  const open: Store[] = [];

  async function twoConnections(): Promise<[Store, Store]> {
    database = await fresh();
    const a = await database.open();
    const b = await database.open({ migrate: false });
    open.push(a, b);
    return [a, b];
  }

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    await database?.drop();
  });

  it.skipIf(skip)('counts N-of-M reviews racing on two connections exactly: both recorded, one grant', async () => {
    const [a, b] = await twoConnections();
    const ctxA = contextOn(a, { instanceId: 'a' });
    const ctxB = contextOn(b, { instanceId: 'b' });
    for (let round = 0; round < 15; round++) {
      const { view } = await requestAccess(ctxA, { roleName: 'writer', requester: alice, durationMs: 3_600_000, reason: `round ${round}`, ticket: 'INC-1', origin: 'test' });
      const outcomes = await Promise.all([
        review(ctxA, { requestId: view.id, reviewer: bob, decision: 'approve' }),
        review(ctxB, { requestId: view.id, reviewer: carol, decision: 'approve' }),
      ]);
      expect(outcomes.map((o) => o.outcome.kind).sort()).toEqual(['approved', 'recorded']);
      expect((await a.reviewsOf(view.id)).map((r) => r.reviewerEmail).sort()).toEqual(['bob@example.com', 'carol@example.com']);
      expect((await a.getRequest(view.id))?.status).toBe('approved');
      expect(await a.grantOfRequest(view.id)).not.toBeNull();
      // Free the role again for the next round.
      await a.tx((uow) => uow.updateGrant((outcomes[0]!.view.grant ?? outcomes[1]!.view.grant)!.id, { status: 'granting' }, { status: 'revoked', revokedAt: 1 }));
    }
    expect((await a.stats()).grantsByStatus).toEqual({ revoked: 15 });
    expect((await verifyAuditChain(a)).ok).toBe(true);
  });

  it.skipIf(skip)('keeps one audit chain when two connections append at once: no fork, no lost row', async () => {
    const [a, b] = await twoConnections();
    const append = (store: Store, writer: string, n: number) =>
      store.tx((uow) => appendAudit(uow, { at: 1_000 + n, actor: writer, action: 'extension.void', details: { why: `append ${n}` } }));
    await Promise.all(Array.from({ length: 150 }, (_, n) => [append(a, 'a', n), append(b, 'b', n)]).flat());
    const rows = [];
    for await (const row of a.auditRows()) rows.push(row);
    expect(rows).toHaveLength(300);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(await verifyAuditChain(b)).toMatchObject({ ok: true });
  });

  it.skipIf(skip)('gives a grant lease to exactly one of two connections claiming it at once', async () => {
    const [a, b] = await twoConnections();
    const ctx = contextOn(a, { instanceId: 'seed', policy: testPolicy() });
    const ids: string[] = [];
    for (const person of [alice, bob, carol]) {
      const filed = await requestAccess(ctx, { roleName: 'readonly', requester: person, durationMs: 600_000, reason: 'lease', origin: 'test' });
      ids.push(filed.view.grant!.id);
    }
    const now = Date.now() + 1_000_000;
    const expect_ = { status: ['granting', 'active', 'revoking'] as const, leaseFreeAt: now, dueBy: now };
    // Inside a serialised transaction, or as a lock-free single statement: either way exactly one wins.
    const claim = (store: Store, owner: string, id: string, round: number) =>
      round % 2 === 0
        ? store.tx((uow) => uow.updateGrant(id, expect_, { leaseOwner: owner, leaseUntil: now + 60_000 }))
        : store.setGrantIf(id, expect_, { leaseOwner: owner, leaseUntil: now + 60_000 });
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(ids.flatMap((id) => [claim(a, 'a', id, round), claim(b, 'b', id, round + (id.length % 2))]));
      expect(results.filter((r) => r !== null)).toHaveLength(ids.length);
      await a.tx((uow) => uow.releaseLeasesOf('a'));
      await a.tx((uow) => uow.releaseLeasesOf('b'));
    }
  });

  it.skipIf(skip)('records a key once when two connections claim it at the same moment', async () => {
    const [a, b] = await twoConnections();
    for (let i = 0; i < 50; i++) {
      const results = await Promise.all([a.claimKey(`seen:${i}`, 'a', 1), b.claimKey(`seen:${i}`, 'b', 1)]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
    expect(await a.kvList('seen:')).toHaveLength(50);
  });

  it.skipIf(skip)('counts every increment once when two connections compare-and-set one record at the same time', async () => {
    const [a, b] = await twoConnections();
    // Each writer reads, adds one and sets only if nobody wrote meanwhile; a lost race reads again.
    const increment = async (store: Store): Promise<number> => {
      for (let tries = 1; ; tries++) {
        const seen = await store.kvGet('counter');
        if (await store.kvSetIf('counter', seen, String(Number(seen ?? '0') + 1), tries)) return tries;
      }
    };
    const tries = await Promise.all(Array.from({ length: 40 }, (_, i) => increment(i % 2 === 0 ? a : b)));
    expect(await b.kvGet('counter')).toBe('40');
    expect(tries.length).toBe(40);
    expect(await a.kvSetIf('counter', '39', 'stale', 1)).toBe(false);
    expect(await a.kvSetIf('counter', null, 'fresh', 1)).toBe(false);
    expect(await a.kvSetIf('other', null, 'fresh', 1)).toBe(true);
    expect(await b.kvGet('counter')).toBe('40');
  });

  it.skipIf(skip)('delivers each queued notice once when two connections dispatch at the same time', async () => {
    const [a, b] = await twoConnections();
    const clock = new ManualClock();
    const ctxA = contextOn(a, { instanceId: 'a', clock });
    const ctxB = contextOn(b, { instanceId: 'b', clock });
    const delivered: string[] = [];
    const port: ChatPort = {
      platform: 'slack',
      async deliver(notice: Notice) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (notice.type === 'audit.alert') delivered.push(notice.text);
      },
    };
    await a.tx(async (uow) => {
      for (let i = 0; i < 120; i++) await uow.enqueueNotice({ platform: 'slack', dedupeKey: `n${i}`, notice: JSON.stringify({ type: 'audit.alert', code: 'drift', text: `n${i}` }), now: clock.now() });
    });
    // Queuing the same key again is a no-op (idempotent by construction).
    expect(await a.tx((uow) => uow.enqueueNotice({ platform: 'slack', dedupeKey: 'n0', notice: '{}', now: clock.now() }))).toBe(false);
    for (let pass = 0; pass < 10 && delivered.length < 120; pass++) {
      await Promise.all([dispatchOutbox(ctxA, [port], 40), dispatchOutbox(ctxB, [port], 40)]);
    }
    expect(delivered).toHaveLength(120);
    expect(new Set(delivered).size).toBe(120);
    expect((await a.stats()).pendingNotices).toBe(0);
  });

  it.skipIf(skip)('claims a digest period once when two replicas post at the same instant', async () => {
    const [a, b] = await twoConnections();
    const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
    const policy: Policy = { ...testPolicy(), digest: { schedule: '0 9 * * *' } };
    const results = await Promise.all([postDigest(contextOn(a, { instanceId: 'a', clock, policy })), postDigest(contextOn(b, { instanceId: 'b', clock, policy }))]);
    expect(results.map((r) => r.status).sort()).toEqual(['posted', 'skipped']);
    expect((await a.stats()).pendingNotices).toBe(1);
  });

  it.skipIf(skip)('holds one pending request per person and role, even when filed at once from two connections', async () => {
    const [a, b] = await twoConnections();
    const filings = await Promise.allSettled([
      requestAccess(contextOn(a, { instanceId: 'a' }), { roleName: 'writer', requester: alice, durationMs: 3_600_000, reason: 'one', ticket: 'INC-1', origin: 'test' }),
      requestAccess(contextOn(b, { instanceId: 'b' }), { roleName: 'writer', requester: alice, durationMs: 3_600_000, reason: 'two', ticket: 'INC-2', origin: 'test' }),
    ]);
    expect(filings.filter((f) => f.status === 'fulfilled')).toHaveLength(1);
    const refused = filings.find((f) => f.status === 'rejected');
    expect(refused && isAccessError(refused.reason) && refused.reason.message).toMatch(/already have a pending request AR-\d+/);
    // The database itself refuses a second pending row, whatever the code above it does.
    const first = (await a.pendingRequests())[0]!;
    const { id: _id, ...copy } = first;
    await expect(b.tx((uow) => uow.insertRequest(copy))).rejects.toThrow();
  });

  /** `count` grants in the given states (with their requests), ids `${prefix}0…`. */
  async function seedGrants(store: Store, prefix: string, statuses: readonly GrantRecord['status'][]): Promise<string[]> {
    return store.tx(async (uow) => {
      const ids: string[] = [];
      for (const [i, status] of statuses.entries()) {
        const request = await uow.insertRequest({ kind: 'access', role: 'readonly', resource: 'orders-db', requesterKey: `${prefix}${i}@example.com`, requesterEmail: `${prefix}${i}@example.com`, requesterSlackId: null, requesterTeamsId: null, requesterName: null, durationMs: 60_000, reason: 'batch', ticket: null, breakGlass: false, autoApproved: true, approvalsRequired: 1, status: 'approved', origin: 'test', createdAt: 1, lapsesAt: 2 });
        const id = `${prefix}${i}`;
        await uow.insertGrant({ id, requestId: request.id, role: 'readonly', resource: 'orders-db', status, startsAt: 1, expiresAt: 2 ** 41 + i, nextAttemptAt: i % 2 ? 50 : null, createdAt: 1, updatedAt: 1 });
        if (i % 3 === 0) await uow.updateGrant(id, {}, { leaseOwner: 'other', leaseUntil: 1_000 });
        ids.push(id);
      }
      return ids;
    });
  }

  it.skipIf(skip)('batched grant compare-and-sets have exactly the outcome of one-by-one ones', async () => {
    const [a] = await twoConnections();
    const statuses = ['active', 'granting', 'active', 'revoking', 'active', 'revoked', 'active', 'granting', 'revoking', 'active'] as const;
    const batched = await seedGrants(a, 'b', statuses);
    const single = await seedGrants(a, 's', statuses);
    // Mixed shapes, conditions that hold and that do not, NULLs written to integer and text columns, and a grant
    // named twice (the second change sees the first one's write).
    const changesOn = (ids: readonly string[]): GrantChange[] => [
      ...ids.map((id, i): GrantChange => ({ id, expect: { status: ['granting', 'active'], leaseFreeAt: 500 }, patch: { status: 'revoking', revokeReason: 'expired', revokedBy: 'system', revokeRequestedAt: 100 + i, attempts: 0, nextAttemptAt: 100, updatedAt: 100, leaseOwner: 'me', leaseUntil: 2 ** 41 } })),
      ...ids.map((id): GrantChange => ({ id, expect: { status: ['granting', 'active'] }, patch: { status: 'revoking', revokeReason: 'expired', revokedBy: 'system', revokeRequestedAt: 200, attempts: 0, nextAttemptAt: 200, updatedAt: 200 } })),
      { id: ids[1]!, expect: { status: 'revoking', leaseOwner: 'me' }, patch: { status: 'revoked', credentials: null, revokedAt: 300, nextAttemptAt: null, lastError: null, updatedAt: 300, leaseOwner: null, leaseUntil: null } },
      { id: ids[4]!, expect: { status: 'revoking', leaseOwner: 'me' }, patch: { status: 'revoked', credentials: null, revokedAt: 301, nextAttemptAt: null, lastError: null, updatedAt: 301, leaseOwner: null, leaseUntil: null } },
      { id: ids[1]!, expect: { status: 'revoking', leaseOwner: 'me' }, patch: { status: 'revoked', revokedAt: 999, updatedAt: 999 } },
      { id: ids[0]!, expect: { status: 'revoking', leaseOwner: 'me' }, patch: { status: 'revoked', revokedAt: 302, updatedAt: 302 } },
      { id: ids[8]!, expect: { leaseOwner: null, dueBy: 60, expiresAt: 2 ** 41 + 8, notReminded: true }, patch: { remindedAt: 400 } },
      { id: ids[9]!, expect: { leaseOwner: null, dueBy: 60, expiresAt: 2 ** 41 + 9, notReminded: true }, patch: { remindedAt: 401 } },
    ];
    const got = await a.tx((uow) => uow.updateGrants(changesOn(batched)));
    const want = await a.tx(async (uow) => {
      const out: (GrantRecord | null)[] = [];
      for (const change of changesOn(single)) out.push(await uow.updateGrant(change.id, change.expect, change.patch));
      return out;
    });
    const same = (row: GrantRecord | null) => (row ? { ...row, id: row.id.slice(1), requestId: 0 } : null);
    expect(got.map(same)).toEqual(want.map(same));
    expect(got.filter(Boolean).length).toBeGreaterThan(5);
    expect(got.some((row) => row === null)).toBe(true);
    for (const [i, id] of batched.entries()) expect(same(await a.getGrant(id))).toEqual(same(await a.getGrant(single[i]!)));
    expect((await a.getGrant(batched[1]!))?.revokedAt).toBe(300); // the second change of it found it revoked already
    expect((await a.getGrant(batched[0]!))?.status).toBe('revoking'); // moved without the lease another owner held
  });

  it.skipIf(skip)('moves each grant once when two connections batch-move the same grants at the same time', async () => {
    const [a, b] = await twoConnections();
    const ids = await seedGrants(a, 'r', Array.from({ length: 120 }, () => 'active' as const));
    const move = (store: Store, owner: string) =>
      store.tx((uow) => uow.updateGrants(ids.map((id) => ({ id, expect: { status: ['active'] }, patch: { status: 'revoking', revokedBy: owner, updatedAt: 5 } }))));
    const [byA, byB] = await Promise.all([move(a, 'a'), move(b, 'b')]);
    for (const [i, id] of ids.entries()) {
      expect([byA[i], byB[i]].filter(Boolean)).toHaveLength(1);
      expect((await a.getGrant(id))?.revokedBy).toBe((byA[i] ?? byB[i])!.revokedBy);
    }
  });

  it.skipIf(skip)('reads many small records in one call: the keys that exist, whatever their number', async () => {
    const [a] = await twoConnections();
    const keys = Array.from({ length: 300 }, (_, i) => `many:${i}`);
    await a.tx(async (uow) => {
      for (const key of keys.filter((_, i) => i % 2 === 0)) await uow.kvPut(key, `value of ${key}`, 1);
    });
    const found = await a.kvGetMany([...keys, 'many:absent']);
    expect([...found.keys()].sort()).toEqual(keys.filter((_, i) => i % 2 === 0).sort());
    expect(found.get('many:10')).toBe('value of many:10');
    expect(await a.tx((uow) => uow.kvGetMany(['many:0', 'many:1']))).toEqual(new Map([['many:0', 'value of many:0']]));
    expect(await a.kvGetMany([])).toEqual(new Map());
  });

  it.skipIf(skip)('keeps times past 2^31 ms exact', async () => {
    const [a] = await twoConnections();
    const clock = new ManualClock(2 ** 41 + 123);
    const ctx = contextOn(a, { instanceId: 'a', clock });
    const { view } = await requestAccess(ctx, { roleName: 'readonly', requester: alice, durationMs: 600_000, reason: 'far future', origin: 'test' });
    const grant = await a.grantOfRequest(view.id);
    expect(grant?.startsAt).toBe(2 ** 41 + 123);
    expect(grant?.expiresAt).toBe(2 ** 41 + 123 + 600_000);
    expect(await a.nextExpiry()).toBe(2 ** 41 + 123 + 600_000);
    expect((await a.getRequest(view.id))?.createdAt).toBe(2 ** 41 + 123);
    // The one-read listing of live grants returns the same record, times exact.
    expect(await a.liveGrants()).toEqual([grant]);
  });
});

/** A SQLite file as the previous release left it: migrations 0000 and 0001 only, with data in it. */
function previousReleaseDatabase(): string {
  const folder = join(tempDbPath(), '..', 'old-migrations');
  mkdirSync(join(folder, 'meta'), { recursive: true });
  for (const file of ['0000_init.sql', '0001_audit_append_only.sql']) cpSync(join(SQLITE_MIGRATIONS, file), join(folder, file));
  const journal = JSON.parse(readFileSync(join(SQLITE_MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.tag.startsWith('0000') || e.tag.startsWith('0001'));
  writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  const path = tempDbPath();
  const sqlite = new Database(path);
  migrate(drizzle(sqlite), { migrationsFolder: folder });
  sqlite.close();
  return path;
}

async function seedHistory(store: Store): Promise<RequestId> {
  const clock = new ManualClock(Date.parse('2026-05-01T08:00:00Z'));
  const ctx = contextOn(store, { instanceId: 'old', clock });
  const first = await requestAccess(ctx, { roleName: 'writer', requester: alice, durationMs: 3_600_000, reason: 'before the upgrade', ticket: 'INC-7', origin: 'test' });
  await review(ctx, { requestId: first.view.id, reviewer: bob, decision: 'approve' });
  await review(ctx, { requestId: first.view.id, reviewer: carol, decision: 'approve' });
  await requestAccess(ctx, { roleName: 'readonly', requester: bob, durationMs: 600_000, reason: 'auto', origin: 'test' });
  return first.view.id;
}

describe('moving an existing install', () => {
  let pgKind: (typeof kinds)[number];
  beforeAll(() => {
    pgKind = kinds.find((k) => k.kind === 'postgres')!;
  });

  it('upgrades a SQLite file from the previous schema with no data lost', async () => {
    const path = previousReleaseDatabase();
    const old = openSqliteStore(path, { migrate: false });
    const requestId = await seedHistory(old);
    const before = await old.stats();
    await old.close();

    const upgraded = openSqliteStore(path);
    try {
      expect(await upgraded.stats()).toEqual(before);
      expect((await upgraded.getRequest(requestId))?.status).toBe('approved');
      expect(await verifyAuditChain(upgraded)).toMatchObject({ ok: true });
    } finally {
      await upgraded.close();
    }
  });

  it.skipIf(kinds.find((k) => k.kind === 'postgres')!.skip)('copies a SQLite install into PostgreSQL: same rows, same audit chain, ids continue', async () => {
    const path = tempDbPath();
    const source = openSqliteStore(path);
    const requestId = await seedHistory(source);
    const before = await source.stats();
    const headBefore = await source.kvGet('audit.head');
    await source.close();

    const database = await pgKind.fresh();
    const target = await database.open();
    try {
      const copied = await copySqliteInto(target, path);
      expect(copied.tables.requests).toBe(2);
      expect(copied.tables.audit_events).toBe(before.auditEvents);
      expect(await target.stats()).toEqual(before);
      expect(await target.kvGet('audit.head')).toBe(headBefore);
      expect(await verifyAuditChain(target)).toMatchObject({ ok: true });
      expect((await target.getRequest(requestId))?.breakGlass).toBe(false);
      // New rows continue after the copied ids, and a second copy is refused.
      const next = await requestAccess(contextOn(target, { instanceId: 'new' }), { roleName: 'readonly', requester: carol, durationMs: 600_000, reason: 'after the move', origin: 'test' });
      expect(next.view.id).toBe(3);
      await expect(copySqliteInto(target, path)).rejects.toThrow(/already holds/);
    } finally {
      await target.close();
      await database.drop();
    }
  });
});
