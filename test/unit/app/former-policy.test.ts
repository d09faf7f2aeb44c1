/**
 * Issue 12, item 9: a live grant whose role (or resource) leaves the policy is still revoked at its target,
 * through the provider and with the grant parameters of the last policy that knew it — after a reload in the
 * running process, and after a restart, from the policies kept in the store.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startDueRevokes } from '../../../src/app/expire.ts';
import { formerDefinitions, lastGoodPolicy, rememberGoodPolicy, restoreFormerDefinitions, type PolicySource } from '../../../src/app/last-good-policy.ts';
import { auditKey, installAuditKeyring } from '../../../src/audit/key.ts';
import { PolicyReloader } from '../../../src/app/reload-policy.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import type { Policy } from '../../../src/domain/policy.ts';
import type { GrantTarget } from '../../../src/providers/types.ts';
import { withCallLog } from '../../support/call-log.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice, role, testPolicy } from '../../support/policy-fixture.ts';
import { RecordingProvider } from '../../support/recording-provider.ts';

const M = 60_000;

/** Records the grant parameters each call carried. */
class ParamsProvider extends RecordingProvider {
  readonly params: Array<{ op: string; params: Record<string, unknown> }> = [];
  override async grant(target: GrantTarget) {
    this.params.push({ op: 'grant', params: target.params });
    return super.grant(target);
  }
  override async revoke(target: GrantTarget) {
    this.params.push({ op: 'revoke', params: target.params });
    return super.revoke(target);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const V1_TEXT = 'the v1 file';
const V2_TEXT = 'the v2 file';

const LEGACY_GRANT = { roles: ['legacy_reader'], schema: 'old' };

/** v1 has the "legacy" role on its own resource "legacy-db"; v2 drops both. */
function v1(): Policy {
  const base = testPolicy([role('readonly'), role('legacy', { resource: 'legacy-db', grant: LEGACY_GRANT, autoApprove: { maxDurationMs: 30 * M } })]);
  return { ...base, hash: sha256(V1_TEXT), resources: { ...base.resources, 'legacy-db': { name: 'legacy-db', provider: 'recording', settings: { host: 'legacy' } } } };
}
function v2(): Policy {
  return { ...testPolicy([role('readonly')]), hash: sha256(V2_TEXT) };
}

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  installAuditKeyring(null);
});

function harness(policy: Policy, providers: Record<string, RecordingProvider>, dbPath?: string): Harness {
  const h = createHarness({ policy, ...(dbPath ? { dbPath } : {}) });
  h.ctx.providers = new Map([['orders-db', h.provider], ...Object.entries(providers)]);
  open.push(h);
  return h;
}

async function grantLegacy(h: Harness): Promise<string> {
  const filed = await requestAccess(h.ctx, { roleName: 'legacy', requester: alice, durationMs: 10 * M, reason: 'old reports', origin: 'test' });
  await h.worker.idle();
  return filed.grantId!;
}

describe('revoking a grant whose role left the policy', () => {
  it('after a reload: through its old provider, with its old grant parameters', async () => {
    const legacy = new ParamsProvider('legacy-db');
    const h = harness(v1(), { 'legacy-db': legacy });
    const grantId = await grantLegacy(h);
    const reloader = new PolicyReloader({ ctx: h.ctx, path: '/etc/accessbot.yaml', load: () => ({ ok: true, policy: v2(), warnings: [] }), createProviders: null });
    expect((await reloader.reload('SIGHUP')).kind).toBe('loaded');
    expect(Object.keys(h.ctx.policy.roles)).toEqual(['readonly']);

    h.clock.advance(11 * M);
    expect(await startDueRevokes(h.ctx)).toEqual([grantId]);
    await h.worker.idle();
    expect(legacy.params).toEqual([
      { op: 'grant', params: LEGACY_GRANT },
      { op: 'revoke', params: LEGACY_GRANT },
    ]);
    expect((await h.store.getGrant(grantId))?.status).toBe('revoked');
  });

  it('after a restart: from the last kept policy that knew it, with a provider made from its settings', async () => {
    const { second, grantId, resolved, made, revived } = await restart();
    expect(resolved).toEqual([sha256(V1_TEXT)]); // the policy in force is not read again
    expect(made).toEqual(['legacy-db {"host":"legacy"}']);

    second.clock.advance(11 * M);
    expect(await startDueRevokes(second.ctx)).toEqual([grantId]);
    await second.worker.idle();
    expect(revived.params).toEqual([{ op: 'revoke', params: LEGACY_GRANT }]);
    expect((await second.store.getGrant(grantId))?.status).toBe('revoked');
  });

  it('ignores a kept policy planted in the database without the audit key (it would choose where revokes go)', async () => {
    installAuditKeyring({ current: auditKey(Buffer.alloc(32, 9), 'ACCESSBOT_AUDIT_KEY'), previous: [] });
    const planted = 'a policy whose legacy-db runs my command';
    const { second, resolved } = await restart(async (h) => {
      // Newer than every genuine one, with the right sha256, but unsigned.
      await h.store.tx((uow) => uow.kvPut(`policy.source:${sha256(planted)}`, JSON.stringify({ v: 1, text: planted, key: null, mac: null }), h.clock.now() + 60_000));
      await h.store.tx((uow) => uow.kvPut('policy.last_good', sha256(planted), h.clock.now() + 60_000));
      // A restart with an invalid file would not start on it.
      expect(await lastGoodPolicy(h.store)).toBeNull();
    });
    // Revokes look past it, to the signed v1.
    expect(resolved).toEqual([sha256(V1_TEXT)]);
    // A signed one is read back.
    await second.store.tx((uow) => rememberGoodPolicy(uow, { hash: sha256(V2_TEXT), text: V2_TEXT }, second.clock.now() + 120_000));
    expect(await lastGoodPolicy(second.store)).toEqual({ hash: sha256(V2_TEXT), text: V2_TEXT });
  });
});

describe('formerDefinitions', () => {
  it('reads the live grants in one store call, not one read per grant', async () => {
    const first = harness(v1(), { 'legacy-db': new ParamsProvider('legacy-db') });
    await first.store.tx((uow) => rememberGoodPolicy(uow, { hash: sha256(V1_TEXT), text: V1_TEXT }, first.clock.now()));
    await grantLegacy(first);
    const { proxy: store, calls } = withCallLog(first.store);
    const former = await formerDefinitions({ store, policy: v2(), providers: new Map() }, (source) => (source.text === V1_TEXT ? { ok: true, policy: v1() } : { ok: false, problems: [] }));
    expect(former.roles.map((r) => r.name)).toEqual(['legacy']);
    expect(former.resources.map((r) => r.name)).toEqual(['legacy-db']);
    expect(calls.sort()).toEqual(['kvList', 'liveGrants']);
  });
});

/** A grant of "legacy" under v1 (kept in the store), then a restart on v2 and restoreFormerDefinitions. */
async function restart(tamper?: (h: Harness) => Promise<void>) {
  const legacy = new ParamsProvider('legacy-db');
  const first = harness(v1(), { 'legacy-db': legacy });
  await first.store.tx((uow) => rememberGoodPolicy(uow, { hash: sha256(V1_TEXT), text: V1_TEXT }, first.clock.now()));
  const grantId = await grantLegacy(first);
  await tamper?.(first);
  await first.close();
  open.splice(open.indexOf(first), 1);

  // The next start has a policy without "legacy" and "legacy-db", and no provider for it.
  const second = harness(v2(), {}, first.dbPath);
  second.clock.set(first.clock.now());
  await second.store.tx((uow) => rememberGoodPolicy(uow, { hash: sha256(V2_TEXT), text: V2_TEXT }, second.clock.now() + 1));
  const resolved: string[] = [];
  const made: string[] = [];
  const revived = new ParamsProvider('legacy-db');
  await restoreFormerDefinitions(
    second.ctx,
    (source: PolicySource) => {
      resolved.push(source.hash);
      return source.text === V1_TEXT ? { ok: true, policy: v1() } : { ok: false, problems: ['not this one'] };
    },
    (resources) => {
      made.push(...resources.map((r) => `${r.name} ${JSON.stringify(r.settings)}`));
      return new Map(resources.map((r) => [r.name, revived]));
    },
  );
  return { second, grantId, resolved, made, revived };
}
