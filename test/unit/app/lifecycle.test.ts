import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRow, GrantRecord } from '../../../db/store/port.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { cancelRequest } from '../../../src/app/cancel.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { requestExtension } from '../../../src/app/extend.ts';
import { listAwaitingReview, listMyAccess } from '../../../src/app/list-access.ts';
import { expireLapsedRequests, sendExpiryReminders, startDueRevokes } from '../../../src/app/expire.ts';
import { dueGrantIds, settleGrant } from '../../../src/app/grant-executor.ts';
import { openCredentials } from '../../../src/providers/credential-seal.ts';
import { verifyAuditChain } from '../../../src/audit/verify.ts';
import type { ChatPort, Notice } from '../../../src/app/ports.ts';
import { alice, bob, carol, mallory, role, testPolicy } from '../../support/policy-fixture.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import type { RequestId } from '../../../src/domain/request-id.ts';

const M = 60_000;
let h: Harness;
afterEach(async () => h?.close());

async function auditRows(): Promise<AuditRow[]> {
  const rows: AuditRow[] = [];
  for await (const row of h.store.auditRows()) rows.push(row);
  return rows;
}

async function grantOf(requestId: RequestId): Promise<GrantRecord> {
  const grant = await h.store.grantOfRequest(requestId);
  if (!grant) throw new Error(`no grant for request ${requestId}`);
  return grant;
}

function recordingPort(): ChatPort & { seen: Notice[] } {
  const seen: Notice[] = [];
  return { platform: 'slack', seen, deliver: async (notice) => void seen.push(notice) };
}

describe('request → approve → grant → expire → revoke', () => {
  it('runs the whole lifecycle and records every step in the audit chain', async () => {
    const port = recordingPort();
    h = createHarness({ ports: [port] });
    const filed = await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 30 * M, reason: 'checking INC-123', origin: 'test' });
    expect(filed.outcome).toBe('pending');
    expect(filed.view.ref).toMatch(/^AR-\d+$/);
    expect((await listAwaitingReview(h.ctx, bob)).map((v) => v.id)).toEqual([filed.view.id]);
    expect(await listAwaitingReview(h.ctx, alice)).toEqual([]);

    const approved = await review(h.ctx, { requestId: filed.view.id, reviewer: bob, decision: 'approve' });
    expect(approved.outcome.kind).toBe('approved');
    await h.worker.idle();
    expect(h.provider.count('grant')).toBe(1);
    const mine = await listMyAccess(h.ctx, alice);
    expect(mine.active[0]?.grant?.status).toBe('active');
    expect(mine.active[0]?.grant?.expiresAt).toBe(h.clock.now() + 30 * M);

    h.clock.advance(30 * M);
    expect(await startDueRevokes(h.ctx)).toHaveLength(1);
    await h.worker.idle();
    expect(h.provider.count('revoke')).toBe(1);
    expect(h.provider.held.size).toBe(0);
    expect((await listMyAccess(h.ctx, alice)).active).toEqual([]);

    const actions = (await auditRows()).map((r) => r.action);
    expect(actions).toEqual(['request.created', 'review.approved', 'request.approved', 'grant.created', 'grant.active', 'grant.expired', 'grant.revoked']);
    expect((await verifyAuditChain(h.store)).ok).toBe(true);
    expect(port.seen.map((n) => n.type)).toEqual(['request.filed', 'request.reviewed', 'grant.changed', 'grant.changed']);
  });

  it('records the role, duration, reason and ticket of a new request in the audit log', async () => {
    h = createHarness();
    await requestAccess(h.ctx, { roleName: 'writer', requester: alice, durationMs: 30 * M, reason: 'hotfix', ticket: 'INC-7', origin: 'test' });
    const created = (await auditRows()).find((r) => r.action === 'request.created')!;
    expect(created.actor).toBe('alice@example.com');
    expect(JSON.parse(created.details)).toMatchObject({ role: 'writer', duration: '30m', reason: 'hotfix', ticket: 'INC-7' });
  });

  it('auto-approves short readonly access without anyone clicking', async () => {
    h = createHarness();
    const filed = await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * M, reason: 'peek', origin: 'test' });
    expect(filed.outcome).toBe('auto_approved');
    await h.worker.idle();
    expect(h.provider.count('grant')).toBe(1);
  });

  it('break-glass activates at once and raises an audit alert', async () => {
    const port = recordingPort();
    h = createHarness({ ports: [port] });
    const filed = await requestAccess(h.ctx, { roleName: 'breakglass', requester: alice, reason: 'prod down', breakGlass: true, origin: 'test' });
    expect(filed.outcome).toBe('break_glass');
    await h.worker.idle();
    expect(h.provider.count('grant')).toBe(1);
    expect(port.seen.some((n) => n.type === 'audit.alert' && n.code === 'break_glass')).toBe(true);
  });

  it('needs two distinct approvers for a two-approval role', async () => {
    h = createHarness();
    const { view } = await requestAccess(h.ctx, { roleName: 'writer', requester: alice, reason: 'migration', ticket: 'INC-9', origin: 'test' });
    expect((await review(h.ctx, { requestId: view.id, reviewer: bob, decision: 'approve' })).outcome).toEqual({ kind: 'recorded', approvals: 1, remaining: 1 });
    await expect(review(h.ctx, { requestId: view.id, reviewer: bob, decision: 'approve' })).rejects.toThrow(/already reviewed/);
    await expect(review(h.ctx, { requestId: view.id, reviewer: alice, decision: 'approve' })).rejects.toThrow(/not an approver|own request/);
    expect((await review(h.ctx, { requestId: view.id, reviewer: carol, decision: 'approve' })).outcome.kind).toBe('approved');
    await h.worker.idle();
    expect(h.provider.count('grant')).toBe(1);
    await expect(review(h.ctx, { requestId: view.id, reviewer: { email: 'dave@example.com' }, decision: 'deny' })).rejects.toThrow(/already approved by carol/);
  });

  it('refuses a duplicate pending request and a second grant for the same role', async () => {
    h = createHarness();
    await requestAccess(h.ctx, { roleName: 'writer', requester: alice, reason: 'a', ticket: 'INC-1', origin: 'test' });
    await expect(requestAccess(h.ctx, { roleName: 'writer', requester: alice, reason: 'b', ticket: 'INC-1', origin: 'test' })).rejects.toThrow(/already have a pending request AR-1/);
    await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * M, reason: 'a', origin: 'test' });
    await h.worker.idle();
    await expect(requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * M, reason: 'a', origin: 'test' })).rejects.toThrow(/already have "readonly"/);
  });

  it('cancels, denies and lapses pending requests', async () => {
    h = createHarness();
    const a = (await requestAccess(h.ctx, { roleName: 'writer', requester: alice, reason: 'x', ticket: 'INC-1', origin: 'test' })).view;
    await expect(cancelRequest(h.ctx, { requestId: a.id, actor: bob })).rejects.toThrow(/Only the person who filed/);
    expect((await cancelRequest(h.ctx, { requestId: a.id, actor: alice })).status).toBe('cancelled');
    const b = (await requestAccess(h.ctx, { roleName: 'writer', requester: alice, reason: 'y', ticket: 'INC-2', origin: 'test' })).view;
    expect((await review(h.ctx, { requestId: b.id, reviewer: carol, decision: 'deny', note: 'not now' })).view).toMatchObject({ status: 'denied', decisionNote: 'not now' });
    const c = (await requestAccess(h.ctx, { roleName: 'writer', requester: alice, reason: 'z', ticket: 'INC-3', origin: 'test' })).view;
    h.clock.advance(60 * M);
    expect(await expireLapsedRequests(h.ctx)).toBe(1);
    await expect(review(h.ctx, { requestId: c.id, reviewer: bob, decision: 'approve' })).rejects.toThrow(/already expired/);
  });

  it('revokes early (holder or approver, not others) and extends through a new approval', async () => {
    h = createHarness();
    const { view } = await requestAccess(h.ctx, { roleName: 'writer', requester: alice, durationMs: 60 * M, reason: 'x', ticket: 'INC-1', origin: 'test' });
    await review(h.ctx, { requestId: view.id, reviewer: bob, decision: 'approve' });
    await review(h.ctx, { requestId: view.id, reviewer: carol, decision: 'approve' });
    await h.worker.idle();
    const ext = await requestExtension(h.ctx, { requestId: view.id, actor: alice, durationMs: 30 * M, origin: 'test' });
    expect(ext.autoApproved).toBe(false);
    expect(ext.view.kind).toBe('extend');
    await expect(requestExtension(h.ctx, { requestId: view.id, actor: alice, durationMs: 30 * M, origin: 'test' })).rejects.toThrow(/already waiting/);
    await review(h.ctx, { requestId: ext.view.id, reviewer: bob, decision: 'approve' });
    await review(h.ctx, { requestId: ext.view.id, reviewer: carol, decision: 'approve' });
    await h.worker.idle();
    const grant = await grantOf(view.id);
    expect(grant.expiresAt - grant.startsAt).toBe(90 * M);
    expect(h.provider.count('extend')).toBe(1);
    await expect(revokeAccess(h.ctx, { requestId: view.id, actor: mallory })).rejects.toThrow(/Only the holder/);
    await revokeAccess(h.ctx, { requestId: view.id, actor: bob, reason: 'done' });
    await h.worker.idle();
    expect((await grantOf(view.id)).status).toBe('revoked');
    expect(h.provider.held.size).toBe(0);
  });

  it('retries a failing grant with backoff, then fails it and tells people', async () => {
    const port = recordingPort();
    h = createHarness({ ports: [port] });
    h.provider.failNext('grant', 10);
    const { view } = await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * M, reason: 'x', origin: 'test' });
    await h.worker.idle();
    for (let i = 0; i < 10; i++) {
      h.clock.advance(M);
      for (const id of await dueGrantIds(h.ctx)) await settleGrant(h.ctx, id);
    }
    await h.worker.idle();
    const grant = await grantOf(view.id);
    expect(grant.status).toBe('failed');
    expect(h.provider.count('grant')).toBe(h.ctx.retry.grantMaxAttempts);
    expect(port.seen.some((n) => n.type === 'grant.changed' && n.event === 'failed' && n.requestId === view.id)).toBe(true);
  });

  it('never gives up a revoke: retries, alerts, then succeeds', async () => {
    const port = recordingPort();
    h = createHarness({ ports: [port] });
    const { view } = await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * M, reason: 'x', origin: 'test' });
    await h.worker.idle();
    h.provider.failNext('revoke', 6);
    h.clock.advance(10 * M);
    await startDueRevokes(h.ctx);
    await h.worker.idle();
    for (let i = 0; i < 10; i++) {
      h.clock.advance(M);
      for (const id of await dueGrantIds(h.ctx)) await settleGrant(h.ctx, id);
    }
    await h.worker.idle();
    expect((await grantOf(view.id)).status).toBe('revoked');
    expect(port.seen.filter((n) => n.type === 'audit.alert' && n.code === 'revoke_overdue').length).toBeGreaterThanOrEqual(1);
  });

  it('keeps the earlier end when the target refuses an extension for good, and tells the auditors', async () => {
    const port = recordingPort();
    h = createHarness({ ports: [port] });
    const { view } = await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * M, reason: 'x', origin: 'test' });
    await h.worker.idle();
    const before = await grantOf(view.id);
    h.provider.failNext('extend', 1, false);
    await requestExtension(h.ctx, { requestId: view.id, actor: alice, durationMs: 5 * M, origin: 'test' }); // within the auto-approval band
    await h.worker.idle();
    const after = await grantOf(view.id);
    expect(after.expiresAt).toBe(before.expiresAt);
    expect(after.status).toBe('active');
    expect((await auditRows()).filter((r) => r.action === 'grant.extension_failed')).toHaveLength(1);
    expect(port.seen.some((n) => n.type === 'audit.alert' && n.code === 'drift')).toBe(true);
  });

  it('sends the target approvers as emails only', async () => {
    h = createHarness({ policy: testPolicy([role('writer', { approvalsRequired: 2, approvers: new Set(['bob@example.com', 'slack:UERIN']) })]) });
    const { view } = await requestAccess(h.ctx, { roleName: 'writer', requester: alice, reason: 'x', origin: 'test' });
    await review(h.ctx, { requestId: view.id, reviewer: { slackId: 'UERIN' }, decision: 'approve' });
    await review(h.ctx, { requestId: view.id, reviewer: bob, decision: 'approve' });
    await h.worker.idle();
    expect(h.provider.calls.find((c) => c.op === 'grant')?.approvedBy).toEqual(['bob@example.com']);
  });

  it('holds credentials sealed and deletes them at revoke', async () => {
    h = createHarness();
    h.provider.credentials = { user: 'u', password: 'hunter2-secret' };
    const { view } = await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * M, reason: 'x', origin: 'test' });
    await h.worker.idle();
    const grant = await grantOf(view.id);
    const sealed = grant.credentials!;
    expect(sealed).not.toContain('hunter2');
    expect(openCredentials(h.ctx.secretKey!, sealed, { grantId: grant.id, requestId: view.id, holder: alice })).toEqual({ user: 'u', password: 'hunter2-secret' });
    const dump = (await auditRows()).map((r) => ({ details: r.details }));
    expect(JSON.stringify(dump)).not.toContain('hunter2');
    h.clock.advance(10 * M);
    await startDueRevokes(h.ctx);
    await h.worker.idle();
    expect((await grantOf(view.id)).credentials).toBeNull();
  });

  it('sends one reminder five minutes before expiry', async () => {
    h = createHarness();
    await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * M, reason: 'x', origin: 'test' });
    await h.worker.idle();
    h.clock.advance(4 * M);
    expect(await sendExpiryReminders(h.ctx)).toBe(0);
    h.clock.advance(M + 1);
    expect(await sendExpiryReminders(h.ctx)).toBe(1);
    expect(await sendExpiryReminders(h.ctx)).toBe(0);
    const { pendingNotices, deadNotices } = await h.store.stats();
    expect(pendingNotices + deadNotices).toBe(0); // no chat platform configured → nothing queued
  });
});
