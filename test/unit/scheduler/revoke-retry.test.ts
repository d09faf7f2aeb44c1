/** A revoke the target keeps refusing is retried forever, alerts after a few attempts and then once an hour. */
import { afterEach, describe, expect, it } from 'vitest';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { countOverdueRevokes } from '../../../src/app/overdue.ts';
import { settleDueGrants } from '../../../src/scheduler/steps.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice } from '../../support/policy-fixture.ts';
import { auditOf, fileGrant, grantRow, M, recordOutbox, recordingPort, type OutboxLog } from './support.ts';

let h: Harness;
let outbox: OutboxLog;
afterEach(async () => h?.close());

function overdueAlertsAt(): number[] {
  return outbox
    .rows()
    .map((row) => ({ at: row.createdAt, notice: JSON.parse(row.notice) as { type: string; code?: string } }))
    .filter(({ notice }) => notice.type === 'audit.alert' && notice.code === 'revoke_overdue')
    .map(({ at }) => at);
}

describe('revoke retries', () => {
  it('never give up; alert after the 3rd failure and then once an hour; the eventual success is recorded', async () => {
    h = createHarness({ ports: [recordingPort()] });
    outbox = recordOutbox(h);
    h.ctx.retry = { ...h.ctx.retry, revokeBaseMs: 2_000, revokeCapMs: 5 * M, revokeAlertAfter: 3, alertEveryMs: 60 * M };
    const id = await fileGrant(h, 14 * M);
    await h.worker.idle();
    h.provider.failNext('revoke', Number.POSITIVE_INFINITY);
    const asked = h.clock.now();
    await revokeAccess(h.ctx, { requestId: (await grantRow(h, id)).requestId, actor: alice });
    await h.worker.idle();

    // Three and a half hours of a target that refuses, with the sweep running every 5 seconds.
    for (let t = 0; t < 210 * M; t += 5_000) {
      h.clock.advance(5_000);
      await settleDueGrants(h.ctx);
    }
    const row = await grantRow(h, id);
    expect(row.status).toBe('revoking');
    expect(row.attempts).toBeGreaterThan(40); // backoff capped at 5 minutes: still trying regularly
    expect(row.nextAttemptAt! - h.clock.now()).toBeLessThanOrEqual(5 * M);
    expect(await countOverdueRevokes(h.ctx)).toBe(1);

    const alerts = overdueAlertsAt().map((at) => at - asked);
    expect(alerts).toHaveLength(4); // ~first minutes, then +1 h, +2 h, +3 h
    expect(alerts[0]).toBeLessThan(2 * M);
    for (let i = 1; i < alerts.length; i++) {
      expect(alerts[i]! - alerts[i - 1]!).toBeGreaterThanOrEqual(60 * M);
      expect(alerts[i]! - alerts[i - 1]!).toBeLessThanOrEqual(66 * M);
    }
    // Audited on the first failure and with every alert, not on every attempt.
    expect(await auditOf(h, 'grant.revoke_failed')).toHaveLength(1 + 4);

    h.provider.failures.length = 0;
    h.clock.advance(5 * M);
    await settleDueGrants(h.ctx);
    expect((await grantRow(h, id)).status).toBe('revoked');
    expect(h.provider.held.has(id)).toBe(false);
    expect((await auditOf(h, 'grant.revoked'))[0]!.details).toMatchObject({ attempts: row.attempts + 1, reason: 'revoked early' });
    expect(await countOverdueRevokes(h.ctx)).toBe(0);
  });
});
