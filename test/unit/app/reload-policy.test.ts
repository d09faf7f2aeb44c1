/**
 * The policy reloader on the core: a valid file is recorded (policy.loaded, the audit channel) and then put in
 * force; an invalid one changes nothing and is reported; every decision records the hash it was taken under,
 * and a decision in flight during a reload finishes under the policy it started with.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import type { Store } from '../../../db/store/port.ts';
import { readDetails, type AuditAction } from '../../../src/audit/events.ts';
import type { AuditRow } from '../../../src/audit/chain.ts';
import { PolicyReloader, type LoadedPolicy } from '../../../src/app/reload-policy.ts';
import { requestExtension } from '../../../src/app/extend.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import type { Policy } from '../../../src/domain/policy.ts';
import { createLogger } from '../../../src/logging.ts';
import type { Provider } from '../../../src/providers/types.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice, bob, carol, dave, role, TEST_POLICY_HASH, testPolicy } from '../../support/policy-fixture.ts';
import { RecordingProvider } from '../../support/recording-provider.ts';
import { RecordingPort } from '../../support/recording-port.ts';

const M = 60_000;
const H = 60 * M;

let h: Harness;
let port: RecordingPort;
let logs: Array<{ level: number; msg: string; [key: string]: unknown }>;
/** What load() answers next. */
let file: LoadedPolicy;

function start(policy: Policy = testPolicy(), createProviders: ((resources: Policy['resources'][string][]) => Map<string, Provider>) | null = null): PolicyReloader {
  port = new RecordingPort();
  h = createHarness({ policy, ports: [port] });
  logs = [];
  h.ctx.log = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(JSON.parse(chunk.toString('utf8')) as (typeof logs)[number]);
        callback();
      },
    }),
  );
  return new PolicyReloader({ ctx: h.ctx, path: '/etc/accessbot/policy.yaml', load: () => file, createProviders });
}

afterEach(async () => {
  await h?.close();
});

async function rows(store: Store, action?: AuditAction): Promise<AuditRow[]> {
  const out: AuditRow[] = [];
  for await (const row of store.auditRows()) if (!action || row.action === action) out.push(row);
  return out;
}

/** The policy_hash of each decision event, in order: `action policy_hash`. */
async function decisions(): Promise<string[]> {
  const out: string[] = [];
  for (const row of await rows(h.store)) {
    const details = JSON.parse(row.details) as { policy_hash?: string };
    if (details.policy_hash !== undefined) out.push(`${row.action} ${details.policy_hash}`);
  }
  return out;
}

/** v2: bob no longer approves "writer"; "readonly" is auto-approved up to 1h (was 15m); a new role "deploy". */
function v2(): Policy {
  const base = testPolicy();
  return {
    ...base,
    hash: 'b'.repeat(64),
    roles: {
      ...base.roles,
      readonly: { ...base.roles.readonly!, autoApprove: { maxDurationMs: H } },
      writer: { ...base.roles.writer!, approvers: new Set(['carol@example.com', 'dave@example.com']) },
      deploy: role('deploy', { approvers: new Set(['carol@example.com']) }),
    },
  };
}

describe('a valid policy file', () => {
  it('is recorded (policy.loaded with its hash and what changed, posted to the audit channel), then put in force', async () => {
    const reloader = start();
    // Under the first policy: 30m of readonly needs an approval.
    const first = await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 30 * M, reason: 'before', origin: 'test' });
    expect(first.outcome).toBe('pending');
    await review(h.ctx, { requestId: first.view.id, reviewer: bob, decision: 'approve' });

    file = { ok: true, policy: v2(), warnings: [] };
    const outcome = await reloader.reload('SIGHUP');
    expect(outcome).toMatchObject({ kind: 'loaded', hash: 'b'.repeat(64), previousHash: TEST_POLICY_HASH });
    expect(h.ctx.policy.hash).toBe('b'.repeat(64));

    const [loaded] = await rows(h.store, 'policy.loaded');
    expect(readDetails('policy.loaded', loaded!.details)).toEqual({
      hash: 'b'.repeat(64),
      previous_hash: TEST_POLICY_HASH,
      trigger: 'SIGHUP',
      path: '/etc/accessbot/policy.yaml',
      instance: 'test-1',
      roles_added: ['deploy'],
      roles_removed: [],
      roles_changed: ['readonly', 'writer'],
      changes: [expect.stringMatching(/^role deploy added/), 'role readonly: auto_approve up to 15m → up to 1h', 'role writer: approvers −bob@example.com'],
    });
    expect(loaded!.actor).toBe('system');
    await h.worker.idle();
    const [posted] = port.alerts('policy');
    expect(posted).toContain(`sha256 bbbbbbbbbbbb, was ${TEST_POLICY_HASH}`);
    expect(posted).toContain('• role writer: approvers −bob@example.com');
    expect(logs.find((l) => l.msg === 'policy reloaded')).toMatchObject({ hash: 'b'.repeat(64), trigger: 'SIGHUP', rolesAdded: ['deploy'] });

    // Under the new policy: 30m of readonly is auto-approved, and the decision says which policy allowed it.
    const second = await requestAccess(h.ctx, { roleName: 'readonly', requester: carol, durationMs: 30 * M, reason: 'after', origin: 'test' });
    expect(second.outcome).toBe('auto_approved');
    expect(await decisions()).toEqual([
      `request.created ${TEST_POLICY_HASH}`,
      `review.approved ${TEST_POLICY_HASH}`,
      `request.approved ${TEST_POLICY_HASH}`,
      `grant.created ${TEST_POLICY_HASH}`,
      `request.created ${'b'.repeat(64)}`,
      `grant.created ${'b'.repeat(64)}`,
    ]);
  });

  it('the same bytes again: nothing recorded, nothing posted', async () => {
    const reloader = start();
    file = { ok: true, policy: testPolicy(), warnings: [] };
    expect(await reloader.reload('file change')).toEqual({ kind: 'unchanged', hash: TEST_POLICY_HASH });
    expect(await rows(h.store, 'policy.loaded')).toEqual([]);
    await h.worker.idle();
    expect(port.notices).toEqual([]);
  });

  it('a decision in flight finishes under the policy it started with; the next one uses the new policy', async () => {
    const reloader = start();
    const { view } = await requestAccess(h.ctx, { roleName: 'writer', requester: alice, durationMs: H, reason: 'fix', ticket: 'INC-1', origin: 'test' });
    // Hold bob's review inside its transaction while the policy that removes him as an approver is put in force.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const store = h.ctx.store;
    let held = false;
    h.ctx.store = Object.create(store, {
      tx: {
        value: async <T>(work: Parameters<Store['tx']>[0]) => {
          if (!held) {
            held = true;
            await gate;
          }
          return store.tx(work as never) as Promise<T>;
        },
      },
    }) as Store;
    const inFlight = review(h.ctx, { requestId: view.id, reviewer: bob, decision: 'approve' });
    await new Promise((r) => setTimeout(r, 10));
    file = { ok: true, policy: v2(), warnings: [] };
    const reloading = reloader.reload('file change');
    await new Promise((r) => setTimeout(r, 10));
    release();
    expect((await reloading).kind).toBe('loaded');
    expect((await inFlight).outcome).toMatchObject({ kind: 'recorded', approvals: 1, remaining: 1 });
    // bob's approval counted, under the policy that had him; from now on he is no approver of "writer".
    const other = await requestAccess(h.ctx, { roleName: 'writer', requester: carol, durationMs: H, reason: 'other', ticket: 'INC-3', origin: 'test' });
    await expect(review(h.ctx, { requestId: other.view.id, reviewer: bob, decision: 'approve' })).rejects.toMatchObject({ code: 'not_approver' });
    // Approvals count under the policy of the decision that counts them: bob's no longer does (two are needed).
    expect((await review(h.ctx, { requestId: view.id, reviewer: carol, decision: 'approve' })).outcome).toMatchObject({ kind: 'recorded', approvals: 1, remaining: 1 });
    expect((await review(h.ctx, { requestId: view.id, reviewer: dave, decision: 'approve' })).outcome).toMatchObject({ kind: 'approved', approvals: 2 });
    const b = 'b'.repeat(64);
    expect(await decisions()).toEqual([
      `request.created ${TEST_POLICY_HASH}`,
      `review.approved ${TEST_POLICY_HASH}`,
      `request.created ${b}`,
      `review.approved ${b}`,
      `review.approved ${b}`,
      `request.approved ${b}`,
      `grant.created ${b}`,
    ]);
  });

  it('an extension records the hash it was requested and applied under', async () => {
    const reloader = start();
    const { view } = await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * M, reason: 'look', origin: 'test' });
    await h.worker.idle();
    file = { ok: true, policy: v2(), warnings: [] };
    await reloader.reload('SIGHUP');
    await requestExtension(h.ctx, { requestId: view.id, actor: alice, durationMs: 20 * M, origin: 'test' });
    const [requested] = await rows(h.store, 'extension.requested');
    const [extended] = await rows(h.store, 'grant.extended');
    expect(readDetails('extension.requested', requested!.details)).toMatchObject({ auto_approved: true, policy_hash: 'b'.repeat(64) });
    expect(readDetails('grant.extended', extended!.details)).toMatchObject({ policy_hash: 'b'.repeat(64) });
  });
});

describe('an invalid policy file', () => {
  it('changes nothing: the policy in force is kept, the problems are logged and posted to the audit channel', async () => {
    const reloader = start();
    file = { ok: false, problems: ['roles.readonly.max_duration: "banana" is not a duration (line 12)', 'roles.deploy.resource: unknown resource "hookz" (line 20)'], hash: 'c'.repeat(64) };
    const outcome = await reloader.reload('file change');
    expect(outcome).toMatchObject({ kind: 'rejected', hash: 'c'.repeat(64) });
    expect(h.ctx.policy.hash).toBe(TEST_POLICY_HASH);
    expect(await rows(h.store, 'policy.loaded')).toEqual([]);
    expect(logs.find((l) => l.msg === 'the policy file has problems; keeping the current policy')).toMatchObject({ level: 50, kept: TEST_POLICY_HASH, problems: file.problems });
    await h.worker.idle();
    const [alert] = port.alerts('policy_rejected');
    expect(alert).toContain('/etc/accessbot/policy.yaml (sha256 cccccccccccc) was not loaded (file change, test-1): 2 problems. The policy in force (sha256 test-policy) is kept.');
    expect(alert).toContain('• roles.readonly.max_duration: "banana" is not a duration (line 12)');

    // Saved again with the same problems: logged again, posted once.
    await reloader.reload('file change');
    await h.worker.idle();
    expect(port.alerts('policy_rejected')).toHaveLength(1);

    // Decisions go on under the policy in force.
    await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * M, reason: 'still', origin: 'test' });
    expect(await decisions()).toEqual([`request.created ${TEST_POLICY_HASH}`, `grant.created ${TEST_POLICY_HASH}`]);
  });

  it('providers that cannot be created: the policy in force is kept and the alert says why', async () => {
    const reloader = start(testPolicy(), () => {
      throw new Error('resources.new-db.url: bad url');
    });
    file = { ok: true, policy: { ...v2(), resources: { ...v2().resources, 'new-db': { name: 'new-db', provider: 'postgres', settings: {} } } }, warnings: [] };
    expect(await reloader.reload('SIGHUP')).toMatchObject({ kind: 'failed', error: 'its providers could not be created: resources.new-db.url: bad url' });
    expect(h.ctx.policy.hash).toBe(TEST_POLICY_HASH);
    await h.worker.idle();
    expect(port.alerts('policy_rejected')[0]).toContain('is valid but was not put in force (SIGHUP, test-1)');
  });
});

describe('providers on reload', () => {
  it('new and changed resources get new providers; a removed resource keeps its provider for the grants still live on it', async () => {
    const base = testPolicy();
    const before: Policy = { ...base, resources: { ...base.resources, legacy: { name: 'legacy', provider: 'recording', settings: {} }, hooks: { name: 'hooks', provider: 'recording', settings: { url: 'a' } } } };
    const created: string[] = [];
    const reloader = start(before, (resources) => {
      created.push(...resources.map((r) => r.name));
      return new Map(resources.map((r) => [r.name, new RecordingProvider(r.name)]));
    });
    const legacy = new RecordingProvider('legacy');
    const hooks = new RecordingProvider('hooks');
    const orders = h.ctx.providers.get('orders-db')!;
    h.ctx.providers = new Map([...h.ctx.providers, ['legacy', legacy], ['hooks', hooks]]);

    const after: Policy = { ...before, hash: 'd'.repeat(64), resources: { 'orders-db': base.resources['orders-db']!, hooks: { name: 'hooks', provider: 'recording', settings: { url: 'b' } }, fresh: { name: 'fresh', provider: 'recording', settings: {} } } };
    file = { ok: true, policy: after, warnings: [] };
    await reloader.reload('SIGHUP');
    expect(created.sort()).toEqual(['fresh', 'hooks']);
    expect(h.ctx.providers.get('orders-db')).toBe(orders);
    expect(h.ctx.providers.get('legacy')).toBe(legacy);
    expect(h.ctx.providers.get('hooks')).not.toBe(hooks);
    expect(h.ctx.providers.get('fresh')).toBeInstanceOf(RecordingProvider);
    expect(reloader.replacedProviders()).toEqual([hooks]);
  });
});

describe('at start', () => {
  it('records policy.loaded when the policy differs from the one last recorded, once', async () => {
    const reloader = start();
    await reloader.recordStart();
    await reloader.recordStart();
    const loaded = await rows(h.store, 'policy.loaded');
    expect(loaded.map((r) => readDetails('policy.loaded', r.details))).toMatchObject([{ hash: TEST_POLICY_HASH, previous_hash: null, trigger: 'start' }]);
    file = { ok: true, policy: v2(), warnings: [] };
    await reloader.reload('SIGHUP');
    // A restart with the reloaded file: already recorded.
    const again = new PolicyReloader({ ctx: h.ctx, path: '/etc/accessbot/policy.yaml', load: () => file, createProviders: null });
    await again.recordStart();
    expect(await rows(h.store, 'policy.loaded')).toHaveLength(2);
  });
});
