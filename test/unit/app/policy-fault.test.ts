/**
 * Issue 12, item 9: while the bot runs on the last good policy (the file was invalid at start), it takes no new
 * request or extension — with a clear answer — but goes on with what it owes (reviews of pending requests,
 * revokes); the first valid load clears it, whether the fixed file is a new policy or the last good one again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { requestExtension } from '../../../src/app/extend.ts';
import { announcePolicyFault, INTAKE_CLOSED } from '../../../src/app/policy-fault.ts';
import { PolicyReloader, type LoadedPolicy } from '../../../src/app/reload-policy.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { review } from '../../../src/app/review.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice, bob, testPolicy } from '../../support/policy-fixture.ts';
import { refusal } from '../../support/refusal.ts';
import { RecordingPort } from '../../support/recording-port.ts';

const M = 60_000;
const H = 60 * M;

let h: Harness;
afterEach(async () => h?.close());

const FAULT = { path: '/etc/accessbot.yaml', fileHash: 'f'.repeat(64), problems: ['roles.readonly.max_duration: "banana" is not a duration (line 12)'], since: 0 };

describe('running on the last good policy', () => {
  it('refuses new requests and extensions, but reviews and revokes go on; the audit channel is told once', async () => {
    const port = new RecordingPort();
    h = createHarness({ ports: [port] });
    const active = await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * M, reason: 'before', origin: 'test' });
    const pending = await requestAccess(h.ctx, { roleName: 'breakglass', requester: alice, durationMs: H, reason: 'before', origin: 'test' });
    await h.worker.idle();

    h.ctx.policyFault = FAULT;
    await announcePolicyFault(h.ctx, FAULT);
    await announcePolicyFault(h.ctx, FAULT); // a second replica starting on the same broken file
    await h.worker.idle();
    expect(port.alerts().filter((a) => a.includes('is invalid, so'))).toEqual([
      `/etc/accessbot.yaml (sha256 ffffffffffff) is invalid, so test-1 started on the last good policy (sha256 test-policy). accessbot keeps revoking what it granted but takes no new requests until the file is fixed.\n• roles.readonly.max_duration: "banana" is not a duration (line 12)`,
    ]);

    const refused = await refusal(requestAccess(h.ctx, { roleName: 'writer', requester: bob, durationMs: H, reason: 'x', ticket: 'INC-1', origin: 'test' }));
    expect([refused.code, refused.userMessage]).toEqual(['intake_closed', INTAKE_CLOSED]);
    const extension = await refusal(requestExtension(h.ctx, { requestId: active.view.id, actor: alice, durationMs: 20 * M, origin: 'test' }));
    expect(extension.userMessage).toBe(INTAKE_CLOSED);

    expect((await review(h.ctx, { requestId: pending.view.id, reviewer: bob, decision: 'approve' })).outcome.kind).toBe('approved');
    await revokeAccess(h.ctx, { requestId: active.view.id, actor: alice, reason: 'done' });
    await h.worker.idle();
    expect((await h.store.grantOfRequest(active.view.id))?.status).toBe('revoked');
  });

  it.each([
    ['the last good policy again', () => testPolicy(), 'unchanged'],
    ['a new valid policy', () => ({ ...testPolicy(), hash: 'e'.repeat(64) }), 'loaded'],
  ] as const)('is cleared by a valid file: %s', async (_what, next, kind) => {
    const port = new RecordingPort();
    h = createHarness({ ports: [port] });
    h.ctx.policyFault = FAULT;
    let file: LoadedPolicy = { ok: false, problems: FAULT.problems, hash: FAULT.fileHash };
    const reloader = new PolicyReloader({ ctx: h.ctx, path: FAULT.path, load: () => file, createProviders: null });
    expect((await reloader.reload('file change')).kind).toBe('rejected');
    expect(h.ctx.policyFault).toBe(FAULT);

    file = { ok: true, policy: next(), warnings: [] };
    expect((await reloader.reload('file change')).kind).toBe(kind);
    expect(h.ctx.policyFault).toBeNull();
    await h.worker.idle();
    expect(port.alerts().some((a) => a.includes('is valid again (file change, test-1): accessbot takes new requests again.'))).toBe(true);
    expect((await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * M, reason: 'after', origin: 'test' })).outcome).toBe('auto_approved');
  });
});
