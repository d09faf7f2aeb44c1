/**
 * Two real processes share one SQLite database and sweep the same 200 grants, which all expire within one
 * second: every grant must be revoked exactly once at the target, and both replicas must have taken part.
 * They also share the chat outbox (600 notices: filed, active, revoked): each is posted exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../db/store/open.ts';
import { allGrants, inconsistencies, readGrants } from '../crash/consistency.ts';
import { readPosts, readTarget } from '../crash/sqlite-target.ts';
import { runChild, startChild } from '../crash/run-child.ts';

const COUNT = 200;

/** Spread the active grants' expiries evenly over [from, from + spreadMs), as if they had been filed that way. */
async function expireWithin(dbPath: string, from: number, spreadMs: number): Promise<void> {
  const store = openSqliteStore(dbPath, { migrate: false });
  try {
    const ids = (await allGrants(store)).filter((g) => g.status === 'active').map((g) => g.id);
    await store.tx(async (uow) => {
      for (const [i, id] of ids.entries()) {
        const at = from + Math.floor((i * spreadMs) / ids.length);
        await uow.updateGrant(id, {}, { expiresAt: at, appliedExpiresAt: at });
      }
    });
  } finally {
    await store.close();
  }
}

describe('two replicas', () => {
  it('revoke each of 200 grants expiring within a second exactly once, and post each of their 600 notices once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accessbot-replicas-'));
    try {
      const common = { DB: join(dir, 'bot.db'), TARGET: join(dir, 'target.db'), TARGET_KIND: 'sqlite', TARGET_DELAY_MS: 2 };
      // The seed queues chat notices but runs no chat adapter: the replicas deliver them.
      const seeded = await runChild({ ...common, MODE: 'grant', INSTANCE_ID: 'seed', COUNT, DURATION_MS: 600_000, CHAT: 'queue' });
      expect(seeded.code, seeded.stderr).toBe(0);
      expect((await readGrants(common.DB)).filter((g) => g.status === 'active')).toHaveLength(COUNT);

      const replica = { ...common, CHAT: 'deliver', CHAT_DELAY_MS: 3, MODE: 'serve', SWEEP_EVERY: '* * * * * *', UNTIL_MS: 20_000 };
      const a = startChild({ ...replica, INSTANCE_ID: 'replica-a' }, 45_000);
      const b = startChild({ ...replica, INSTANCE_ID: 'replica-b' }, 45_000);
      const ready = await Promise.all([a.ready, b.ready]);
      // Both replicas are up: now make all 200 expire within one second, starting shortly (however slow the
      // machine was to get here). Their next sweep (every second) re-arms their timers for it.
      await expireWithin(common.DB, Date.now() + 2_500, 1_000);
      const [ra, rb] = await Promise.all([a.result, b.result]);
      expect(ra.code, ra.stderr).toBe(0);
      expect(rb.code, rb.stderr).toBe(0);

      const finalGrants = await readGrants(common.DB);
      const target = readTarget(common.TARGET);
      expect(finalGrants.filter((g) => g.status === 'revoked')).toHaveLength(COUNT);
      expect(inconsistencies(finalGrants, target.held)).toEqual([]);

      const revokes = new Map<string, number>();
      for (const call of target.calls.filter((c) => c.op === 'revoke')) revokes.set(call.grantId, (revokes.get(call.grantId) ?? 0) + 1);
      expect(revokes.size).toBe(COUNT);
      expect([...revokes.values()].filter((n) => n !== 1)).toEqual([]);

      const byPid = new Map<number, number>();
      for (const call of target.calls.filter((c) => c.op === 'revoke')) byPid.set(call.pid, (byPid.get(call.pid) ?? 0) + 1);
      const replicaPids = [ready[0]!.pid, ready[1]!.pid];
      expect([...byPid.keys()].sort()).toEqual([...replicaPids].sort());
      console.info(`revokes per replica: ${replicaPids.map((pid) => byPid.get(pid)).join(' / ')}`);

      const store = openSqliteStore(common.DB, { migrate: false });
      try {
        const actions: string[] = [];
        for await (const row of store.auditRows()) actions.push(row.action);
        expect(actions.filter((x) => x === 'grant.expired')).toHaveLength(COUNT);
        expect(actions.filter((x) => x === 'grant.revoked')).toHaveLength(COUNT);
      } finally {
        await store.close();
      }
      const posts = readPosts(common.TARGET);
      const perNotice = new Map<string, number>();
      for (const post of posts) perNotice.set(post.notice, (perNotice.get(post.notice) ?? 0) + 1);
      expect(perNotice.size).toBe(3 * COUNT);
      expect([...perNotice.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      expect(new Set(posts.map((p) => p.pid))).toEqual(new Set(replicaPids));
      console.info(`posts per replica: ${replicaPids.map((pid) => posts.filter((p) => p.pid === pid).length).join(' / ')}`);

      const lateness = finalGrants.map((g) => g.revokedAt! - g.expiresAt).sort((x, y) => x - y);
      expect(lateness[lateness.length - 1]!).toBeLessThan(5_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
