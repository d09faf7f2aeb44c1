import { afterEach, describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/app/reconcile.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { RecordingProvider } from '../../support/recording-provider.ts';
import { alice, bob, carol } from '../../support/policy-fixture.ts';
import { auditOf, fileGrant, grantRow, M, recordOutbox, recordingPort, type OutboxLog } from './support.ts';

let h: Harness;
let outbox: OutboxLog;
afterEach(async () => h?.close());

/** A harness whose queued notices `alerts()` reads. */
function harness(options: Parameters<typeof createHarness>[0] = {}): Harness {
  h = createHarness(options);
  outbox = recordOutbox(h);
  return h;
}

function alerts(code: string): string[] {
  return outbox
    .rows()
    .map((row) => JSON.parse(row.notice) as { type: string; code?: string; text?: string })
    .filter((n) => n.type === 'audit.alert' && n.code === code)
    .map((n) => n.text!);
}

describe('reconcile', () => {
  it('leaves live grants alone and revokes orphans: unknown ids and grants that ended here', async () => {
    harness({ ports: [recordingPort()] });
    const live = await fileGrant(h, 14 * M, alice);
    const ended = await fileGrant(h, 14 * M, bob);
    const granting = await fileGrant(h, 14 * M, carol);
    await h.worker.idle();
    await h.store.tx(async (uow) => {
      await uow.updateGrant(ended, {}, { status: 'revoked' });
      await uow.updateGrant(granting, {}, { status: 'granting' });
    });
    h.provider.held.set('stranger0001', 0);
    h.clock.advance(1_000);

    const report = await reconcile(h.ctx);
    expect(report.providers).toHaveLength(1);
    const result = report.providers[0]!;
    expect(result).toMatchObject({ resource: 'orders-db', checked: true, held: 4, drift: [], error: null });
    expect(result.orphans.map((o) => [o.grantId, o.knownAs, o.revoked]).sort()).toEqual([
      [ended, 'revoked', true],
      ['stranger0001', null, true],
    ].sort());
    expect([...h.provider.held.keys()].sort()).toEqual([live, granting].sort());
    const revokedTargets = h.provider.calls.filter((c) => c.op === 'revoke').map((c) => c.grantId).sort();
    expect(revokedTargets).toEqual([ended, 'stranger0001'].sort());
    expect(alerts('orphan')).toHaveLength(2);
    expect((await auditOf(h, 'reconcile.orphan')).map((e) => e.grantId).sort()).toEqual([ended, 'stranger0001'].sort());
  });

  it('does not call a grant that changed while the target was being listed an orphan', async () => {
    harness();
    const id = await fileGrant(h, 14 * M);
    await h.worker.idle();
    const provider = h.provider;
    const listing = provider.verify.bind(provider);
    provider.verify = async () => {
      const seen = await listing();
      // The revoke commits while the listing is on its way back.
      h.clock.advance(10);
      await h.store.tx((uow) => uow.updateGrant(id, {}, { status: 'revoked', updatedAt: h.clock.now() }));
      return seen;
    };
    const report = await reconcile(h.ctx);
    expect(report.providers[0]!.orphans).toEqual([]);
    expect(provider.count('revoke')).toBe(0);
  });

  it('reports an active grant missing at the target as drift, once', async () => {
    harness({ ports: [recordingPort()] });
    const id = await fileGrant(h, 14 * M);
    await h.worker.idle();
    h.provider.held.delete(id); // removed by hand at the target
    h.clock.advance(1_000);
    expect((await reconcile(h.ctx)).providers[0]!.drift).toEqual([id]);
    h.clock.advance(10 * M);
    expect((await reconcile(h.ctx)).providers[0]!.drift).toEqual([]);
    expect(alerts('drift')).toHaveLength(1);
    expect(alerts('drift')[0]).toContain(`AR-${(await grantRow(h, id)).requestId}`);
    expect(await auditOf(h, 'reconcile.drift')).toHaveLength(1);
    expect((await grantRow(h, id)).status).toBe('active');
  });

  it('one provider failing to list does not stop the others; one failing to revoke is reported and retried later', async () => {
    harness({ ports: [recordingPort()] });
    const broken = new RecordingProvider('broken-db');
    broken.verify = async () => {
      throw new Error('connection refused');
    };
    const stubborn = new RecordingProvider('stubborn-db');
    stubborn.held.set('orphan000002', 0);
    stubborn.failNext('revoke', 1);
    h.ctx.providers = new Map([
      ['broken-db', broken],
      ['stubborn-db', stubborn],
      ['orders-db', h.provider],
    ]);
    h.provider.held.set('orphan000003', 0);
    const report = await reconcile(h.ctx);
    expect(report.providers.map((p) => [p.resource, p.checked, p.error])).toEqual([
      ['broken-db', false, 'connection refused'],
      ['stubborn-db', true, null],
      ['orders-db', true, null],
    ]);
    expect(report.providers[1]!.orphans).toEqual([{ grantId: 'orphan000002', knownAs: null, revoked: false, error: 'revoke failed on purpose' }]);
    expect(h.provider.held.size).toBe(0);
    expect(alerts('orphan').some((text) => text.includes('orphan000002') && text.includes('failed'))).toBe(true);
    h.clock.advance(10 * M);
    expect((await reconcile(h.ctx)).providers[1]!.orphans[0]).toMatchObject({ revoked: true });
    expect(stubborn.held.size).toBe(0);
  });

  it('skips providers that cannot list what they hold', async () => {
    harness();
    const blind = new RecordingProvider('blind');
    (blind as { verify?: unknown }).verify = undefined;
    h.ctx.providers = new Map([['blind', blind]]);
    expect((await reconcile(h.ctx)).providers).toEqual([{ resource: 'blind', kind: 'recording', checked: false, held: 0, orphans: [], drift: [], error: null }]);
  });

  it('a target whose listing never answers fails at the deadline and does not hold up the others', async () => {
    harness({ ports: [recordingPort()] });
    const hanging = new RecordingProvider('hanging-db');
    hanging.verify = () => new Promise(() => {});
    h.ctx.providers = new Map([
      ['hanging-db', hanging],
      ['orders-db', h.provider],
    ]);
    h.provider.held.set('orphan000004', 0);
    const started = Date.now();
    const report = await reconcile(h.ctx, { callTimeoutMs: 100 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(report.providers.map((p) => [p.resource, p.checked])).toEqual([
      ['hanging-db', false],
      ['orders-db', true],
    ]);
    expect(report.providers[0]!.error).toMatch(/did not answer within 100 ms/);
    expect(h.provider.held.size).toBe(0);
  });

  it('an orphan revoke that never answers is reported as failed at the deadline', async () => {
    harness({ ports: [recordingPort()] });
    h.provider.held.set('orphan000005', 0);
    h.provider.revoke = () => new Promise(() => {});
    const report = await reconcile(h.ctx, { callTimeoutMs: 100 });
    expect(report.providers[0]!.orphans).toEqual([{ grantId: 'orphan000005', knownAs: null, revoked: false, error: expect.stringMatching(/did not answer/) }]);
    expect(alerts('orphan')).toHaveLength(1);
  });
});
