/** Chat delivery from the outbox: platforms nobody serves wait, a day of failures is audited, two replicas never post twice. */
import { afterEach, describe, expect, it } from 'vitest';
import { countUndeliveredNotices, dispatchOutbox, enqueueNotice, MIN_ATTEMPTS_BEFORE_DEAD } from '../../../src/app/outbox.ts';
import type { ChatPort, Notice } from '../../../src/app/ports.ts';
import { systemClock } from '../../../src/domain/clock.ts';
import { dispatchDue } from '../../../src/scheduler/steps.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { auditOf, M, recordOutbox, recordingPort, type OutboxLog } from './support.ts';

const H = 60 * M;
const harnesses: Harness[] = [];
const outboxes = new Map<Harness, OutboxLog>();
afterEach(async () => {
  outboxes.clear();
  for (const h of harnesses.splice(0)) await h.close();
});

/** A harness whose outbox writes are recorded; `sharing` is another harness on the same database. */
function harness(options: Parameters<typeof createHarness>[0] = {}, sharing?: Harness): Harness {
  const h = createHarness(options);
  harnesses.push(h);
  const log = sharing ? outboxes.get(sharing)!.watch(h.store) : recordOutbox(h);
  outboxes.set(h, log);
  return h;
}

async function queueAlerts(h: Harness, count: number, prefix = 'n'): Promise<void> {
  await h.ctx.store.tx(async (uow) => {
    for (let i = 0; i < count; i++) await enqueueNotice(uow, h.ctx, { type: 'audit.alert', code: 'drift', text: `${prefix}${i}` }, `${prefix}:${i}`);
  });
}

function rows(h: Harness, platform?: string) {
  return outboxes.get(h)!.rows(platform);
}

describe('a platform no running process serves', () => {
  it('its notices stay pending, untouched, for days, and go out once an adapter for it runs', async () => {
    const slack = recordingPort();
    const h = harness({ ports: [slack] });
    h.ctx.platforms = ['slack', 'teams']; // e.g. queued by a CLI configured for both while only Slack is served
    await queueAlerts(h, 3);
    for (let i = 0; i < 4 * 24; i++) {
      await dispatchDue(h.ctx, [slack]);
      h.clock.advance(H / 2);
    }
    expect(rows(h, 'slack').map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(rows(h, 'teams').map((r) => [r.status, r.attempts, r.lastError, r.leaseOwner])).toEqual(Array(3).fill(['pending', 0, null, null]));
    expect(await countUndeliveredNotices(h.ctx)).toBe(0);

    const teams: ChatPort & { seen: Notice[] } = { platform: 'teams', seen: [], deliver: async (notice) => void teams.seen.push(notice) };
    expect(await dispatchDue(h.ctx, [slack, teams])).toEqual({ sent: 3, failed: 0, skipped: 0 });
    expect(teams.seen.map((n) => (n.type === 'audit.alert' ? n.text : ''))).toEqual(['n0', 'n1', 'n2']);
  });

  it('a process with no chat adapter at all (the CLI) never claims them', async () => {
    const h = harness();
    h.ctx.platforms = ['slack'];
    await queueAlerts(h, 2);
    expect(await dispatchOutbox(h.ctx, [])).toEqual({ sent: 0, failed: 0, skipped: 0 });
    expect(await dispatchDue(h.ctx, [])).toEqual({ sent: 0, failed: 0, skipped: 0 });
    expect(rows(h).map((r) => [r.status, r.attempts, r.leaseOwner])).toEqual([
      ['pending', 0, null],
      ['pending', 0, null],
    ]);
  });
});

describe('a notice chat keeps refusing', () => {
  it('is given up after a day and enough attempts, audited as notice.undelivered and counted', async () => {
    const port = recordingPort();
    port.failing = Number.POSITIVE_INFINITY;
    const h = harness({ ports: [port] });
    await queueAlerts(h, 1);
    for (let i = 0; i < 23 * 12; i++) {
      await dispatchOutbox(h.ctx, [port]);
      h.clock.advance(5 * M);
    }
    expect(rows(h)[0]).toMatchObject({ status: 'pending', lastError: 'chat is down' });
    expect(await auditOf(h, 'notice.undelivered')).toEqual([]);
    for (let i = 0; i < 2 * 12; i++) {
      await dispatchOutbox(h.ctx, [port]);
      h.clock.advance(5 * M);
    }
    expect(rows(h)[0]!.status).toBe('dead');
    expect(await countUndeliveredNotices(h.ctx)).toBe(1);
    const [event] = await auditOf(h, 'notice.undelivered');
    expect(event?.details).toMatchObject({ platform: 'slack', notice: 'audit.alert', alert: 'drift', last_error: 'chat is down' });
    expect(event?.details.attempts as number).toBeGreaterThanOrEqual(MIN_ATTEMPTS_BEFORE_DEAD);
  });

  it('is not given up on its first failures just because it waited a day to be tried (adapter was down)', async () => {
    const port = recordingPort();
    const h = harness({ ports: [port] });
    await queueAlerts(h, 1);
    h.clock.advance(30 * H);
    port.failing = 2;
    await dispatchOutbox(h.ctx, [port]);
    h.clock.advance(M);
    await dispatchOutbox(h.ctx, [port]);
    expect(rows(h)[0]).toMatchObject({ status: 'pending', attempts: 2 });
    h.clock.advance(M);
    await dispatchOutbox(h.ctx, [port]);
    expect(rows(h)[0]!.status).toBe('sent');
    expect(port.seen).toHaveLength(1);
  });
});

describe('two replicas on one database', () => {
  it('deliver each notice exactly once, even when a delivery takes longer than the lease', async () => {
    const a = harness({ instanceId: 'replica-a', ports: [recordingPort()] });
    const b = harness({ instanceId: 'replica-b', dbPath: a.dbPath, ports: [recordingPort()] }, a);
    for (const h of [a, b]) {
      h.ctx.clock = systemClock;
      h.ctx.retry = { ...h.ctx.retry, leaseMs: 60 };
    }
    await queueAlerts(a, 16);
    const posted: Array<{ by: string; text: string }> = [];
    const slowPort = (by: string): ChatPort => ({
      platform: 'slack',
      deliver: async (notice) => {
        await new Promise((resolve) => setTimeout(resolve, 150)); // 2.5 lease lengths
        posted.push({ by, text: notice.type === 'audit.alert' ? notice.text : notice.type });
      },
    });
    const giveUpAt = Date.now() + 6_000; // without lease renewal the replicas steal each other's rows forever
    const drain = async (h: Harness, port: ChatPort) => {
      while (rows(h).some((r) => r.status === 'pending') && Date.now() < giveUpAt) {
        await dispatchDue(h.ctx, [port]);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await Promise.all([drain(a, slowPort('a')), drain(b, slowPort('b'))]);
    expect(posted.map((p) => p.text).sort()).toEqual(Array.from({ length: 16 }, (_, i) => `n${i}`).sort());
    expect(new Set(posted.map((p) => p.by))).toEqual(new Set(['a', 'b']));
    expect(rows(a).every((r) => r.status === 'sent' && r.attempts === 1 && r.leaseOwner === null)).toBe(true);
    expect((await a.store.stats()).deadNotices).toBe(0);
  });
});
