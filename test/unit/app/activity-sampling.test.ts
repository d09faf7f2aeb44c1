/**
 * Sampling what holders do while their grants are active (issue 15), with two replicas on one database: each
 * grant is sampled once per slot whichever replica gets there first, only new sessions are written, and
 * nothing is sampled once the revoke has started (the revoke records everything itself).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { requestAccess } from '../../../src/app/request-access.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { ACTIVITY_SAMPLE_EVERY_MS, sampleActiveGrants } from '../../../src/app/record-activity.ts';
import { readDetails } from '../../../src/audit/events.ts';
import { ManualClock } from '../../../src/domain/clock.ts';
import type { ActivityReport, ActivitySession } from '../../../src/domain/activity.ts';
import { createHarness, tempDbPath, type Harness } from '../../support/core-harness.ts';
import { alice } from '../../support/policy-fixture.ts';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const session = (minute: number): ActivitySession => ({ startedAt: `2026-12-06T09:${String(minute).padStart(2, '0')}:00Z`, client: '10.0.0.5', application: 'psql', database: 'orders' });

describe('activity samples across replicas', () => {
  it('one sample per grant and slot, new sessions only, none once the revoke started', async () => {
    const dbPath = tempDbPath();
    const clock = new ManualClock(Date.parse('2026-12-06T09:00:00Z'));
    const a = createHarness({ dbPath, clock, instanceId: 'replica-a' });
    const b = createHarness({ dbPath, clock, instanceId: 'replica-b' });
    harnesses.push(a, b);
    let sessions: ActivitySession[] = [session(1)];
    let calls = 0;
    for (const h of [a, b]) {
      Object.assign(h.provider, {
        activity: async (): Promise<ActivityReport> => {
          calls++;
          return { source: 'recording', sessions, statements: [], events: [], statementsUnavailable: null };
        },
      });
    }
    const { view } = await requestAccess(a.ctx, { roleName: 'readonly', requester: alice, durationMs: 15 * 60_000, reason: 'INC-1', origin: 'test' });
    await a.worker.idle();
    const grant = (await a.store.grantOfRequest(view.id))!;
    expect(grant.status).toBe('active');

    const rows = async () => {
      const found = [];
      for await (const row of a.store.auditRows()) if (row.action === 'grant.activity') found.push(readDetails('grant.activity', row.details));
      return found;
    };

    expect((await Promise.all([sampleActiveGrants(a.ctx), sampleActiveGrants(b.ctx)])).reduce((x, y) => x + y)).toBe(1);
    expect(calls).toBe(1);
    expect(await rows()).toEqual([expect.objectContaining({ phase: 'during', summary: '1 new session', session_lines: ['2026-12-06T09:01:00Z from 10.0.0.5 (psql) on orders'] })]);

    clock.advance(ACTIVITY_SAMPLE_EVERY_MS);
    expect(await sampleActiveGrants(b.ctx)).toBe(0); // the same session again: nothing new to write
    sessions = [session(1), session(3)];
    clock.advance(ACTIVITY_SAMPLE_EVERY_MS);
    expect(await sampleActiveGrants(b.ctx)).toBe(1);
    expect((await rows()).at(-1)).toMatchObject({ summary: '1 new session', session_lines: ['2026-12-06T09:03:00Z from 10.0.0.5 (psql) on orders'] });

    // Once the revoke started nothing is sampled; the revoke itself (no activity reported) still lists the sampled sessions.
    await revokeAccess(a.ctx, { requestId: view.id, actor: alice, reason: 'done' });
    clock.advance(ACTIVITY_SAMPLE_EVERY_MS);
    sessions = [session(1), session(3), session(7)];
    expect(await sampleActiveGrants(a.ctx)).toBe(0);
    await a.worker.idle();
    const final = (await rows()).at(-1)!;
    expect(final).toMatchObject({ phase: 'at revoke', sessions: 2 });
    expect(final.statements_unavailable).toMatch(/sessions from samples only/);
  });
});
