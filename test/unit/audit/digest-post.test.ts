import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRow, DigestClaim, Store } from '../../../db/store/port.ts';
import type { ChatPort, Notice } from '../../../src/app/ports.ts';
import { DIGEST_LEASE_MS, postDigest } from '../../../src/app/post-digest.ts';
import { buildDigest } from '../../../src/audit/digest.ts';
import { formatDigest } from '../../../src/audit/digest-format.ts';
import type { Policy } from '../../../src/domain/policy.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { testPolicy } from '../../support/policy-fixture.ts';
import { H, playStory, SINCE, UNTIL } from './digest-story.ts';

type DigestNotice = Extract<Notice, { type: 'digest' }>;

function recordingPort(): ChatPort & { digests: DigestNotice[] } {
  const digests: DigestNotice[] = [];
  return { platform: 'slack', digests, deliver: async (notice) => void (notice.type === 'digest' && digests.push(notice)) };
}

const scheduled = (overrides: Partial<Policy> = {}): Policy => ({ ...testPolicy(), digest: { schedule: '0 9 * * *' }, ...overrides });

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});
function harness(options: Parameters<typeof createHarness>[0]): Harness {
  const h = createHarness(options);
  harnesses.push(h);
  return h;
}

/** Thrown to roll back a probe transaction, carrying what it found. */
class Probe extends Error {
  constructor(readonly found: boolean) {
    super('probe (rolled back)');
  }
}

/** Whether a notice with this dedupe key is in the outbox: queueing it again is refused (and rolled back anyway). */
async function isQueued(store: Store, platform: string, dedupeKey: string): Promise<boolean> {
  try {
    await store.tx(async (uow) => {
      throw new Probe(!(await uow.enqueueNotice({ platform, dedupeKey, notice: '{}', now: 0 })));
    });
  } catch (error) {
    if (error instanceof Probe) return error.found;
    throw error;
  }
  throw new Error('the probe transaction committed');
}

async function digestRows(h: Harness, period = '2026-01-06'): Promise<{ claims: DigestClaim[]; queued: string[][]; undelivered: number; audited: AuditRow[] }> {
  const claim = await h.store.digestClaim(period);
  const queued: string[][] = [];
  for (const platform of ['slack', 'teams']) if (await isQueued(h.store, platform, `digest:${period}`)) queued.push([platform, `digest:${period}`]);
  const stats = await h.store.stats();
  const audited: AuditRow[] = [];
  for await (const row of h.store.auditRows()) if (row.action === 'digest.posted') audited.push(row);
  return { claims: claim ? [claim] : [], queued, undelivered: stats.pendingNotices + stats.deadNotices, audited };
}

describe('postDigest', () => {
  it('posts the period’s digest to the audit channel once, however often it runs', async () => {
    const port = recordingPort();
    const h = harness({ policy: scheduled(), ports: [port] });
    await playStory(h);

    const first = await postDigest(h.ctx, UNTIL);
    const again = await postDigest(h.ctx, UNTIL + 5 * 60_000);
    await h.worker.idle();

    expect(first).toMatchObject({ status: 'posted', period: '2026-01-06', since: SINCE, until: UNTIL, platforms: ['slack'] });
    expect(again).toEqual({ status: 'skipped', period: '2026-01-06', why: 'already posted' });
    // What the channel got is exactly the digest of the log for that period.
    const expected = await buildDigest(h.store, { since: SINCE, until: UNTIL, timezone: 'Europe/Berlin', label: '2026-01-06' });
    expect(port.digests).toEqual([{ type: 'digest', period: '2026-01-06', title: 'Access digest 2026-01-06', markdown: formatDigest(expected, 'markdown') }]);

    const { claims, queued, undelivered, audited } = await digestRows(h);
    expect(claims).toMatchObject([{ period: '2026-01-06', status: 'posted', leaseOwner: null }]);
    expect(queued).toEqual([['slack', 'digest:2026-01-06']]);
    expect(undelivered).toBe(0); // sent
    expect(audited).toHaveLength(1);
    expect(JSON.parse(audited[0]!.details)).toEqual({
      period: '2026-01-06',
      since: '2026-01-05T08:00:00.000Z',
      until: '2026-01-06T08:00:00.000Z',
      events: expected.totals.events,
      head_seq: expected.head!.seq,
      head_hash: expected.head!.hash,
      posted_to: ['slack'],
    });
  });

  it('posts once when two replicas on the same database run the same tick', async () => {
    const one = recordingPort();
    const two = recordingPort();
    const a = harness({ policy: scheduled(), ports: [one], instanceId: 'replica-a' });
    const b = harness({ policy: scheduled(), ports: [two], instanceId: 'replica-b', dbPath: a.dbPath, clock: a.clock });
    await playStory(a);

    const results = await Promise.all([postDigest(a.ctx, UNTIL), postDigest(b.ctx, UNTIL), postDigest(b.ctx, UNTIL)]);
    await Promise.all([a.worker.idle(), b.worker.idle()]);

    expect(results.map((r) => r.status).sort()).toEqual(['posted', 'skipped', 'skipped']);
    expect([...one.digests, ...two.digests]).toHaveLength(1);
    const { claims, queued, undelivered, audited } = await digestRows(a);
    expect([claims.length, queued.length, audited.length]).toEqual([1, 1, 1]);
    expect(undelivered).toBe(0);
  });

  it('leaves a period another instance is posting alone, and takes it over when that instance’s lease runs out', async () => {
    const port = recordingPort();
    const h = harness({ policy: scheduled(), ports: [port] });
    h.clock.set(UNTIL);
    await h.store.tx((uow) => uow.insertDigestClaim({ period: '2026-01-06', leaseOwner: 'crashed-replica', leaseUntil: UNTIL + DIGEST_LEASE_MS, createdAt: UNTIL }));
    expect(await h.store.digestClaim('2026-01-06')).toMatchObject({ status: 'posting' });

    expect(await postDigest(h.ctx, UNTIL)).toEqual({ status: 'skipped', period: '2026-01-06', why: 'another instance is posting it' });
    h.clock.set(UNTIL + DIGEST_LEASE_MS + 1);
    expect(await postDigest(h.ctx, UNTIL)).toMatchObject({ status: 'posted', period: '2026-01-06' });
    await h.worker.idle();
    expect(port.digests).toHaveLength(1);
  });

  it('records the period without posting when no audit channel is configured', async () => {
    const port = recordingPort();
    const h = harness({ policy: scheduled({ channels: { approvals: { slack: 'C0APPROVALS' } } }), ports: [port] });
    await playStory(h);

    const result = await postDigest(h.ctx, UNTIL);
    await h.worker.idle();

    expect(result).toMatchObject({ status: 'recorded', period: '2026-01-06', platforms: [] });
    expect(port.digests).toEqual([]);
    const { claims, queued, undelivered, audited } = await digestRows(h);
    expect(claims).toMatchObject([{ period: '2026-01-06', status: 'posted' }]);
    expect(queued).toEqual([]);
    expect(undelivered).toBe(0);
    expect(JSON.parse(audited[0]!.details)).toMatchObject({ period: '2026-01-06', posted_to: [] });
    expect(await postDigest(h.ctx, UNTIL)).toMatchObject({ status: 'skipped', why: 'already posted' });
  });

  it('starts where the last posted digest ended, so a run missed while the bot was down leaves no gap', async () => {
    const h = harness({ policy: scheduled(), ports: [recordingPort()] });
    h.clock.set(UNTIL);
    await postDigest(h.ctx, UNTIL);
    // The 7 Jan run never happened; the 8 Jan digest covers both days.
    const eighth = UNTIL + 48 * H;
    h.clock.set(eighth);
    expect(await postDigest(h.ctx, eighth)).toMatchObject({ status: 'posted', period: '2026-01-08', since: UNTIL, until: eighth });
  });

  it('does nothing without a schedule', async () => {
    const h = harness({ policy: testPolicy() });
    expect(await postDigest(h.ctx, UNTIL)).toEqual({ status: 'not_scheduled' });
    expect((await digestRows(h)).claims).toEqual([]);
    expect(await h.store.kvGet('digest.last')).toBeNull();
  });
});
