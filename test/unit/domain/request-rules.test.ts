import { describe, expect, it } from 'vitest';
import { AccessError } from '../../../src/domain/errors.ts';
import { checkCancel, checkNewRequest, countDistinctApprovals, evaluateReview, requestableRoles } from '../../../src/domain/request-rules.ts';
import { alice, bob, carol, mallory, role, testPolicy } from '../../support/policy-fixture.ts';

const M = 60_000;
const policy = testPolicy();

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AccessError) return error.code;
    throw error;
  }
  return 'ok';
}

describe('filing a request', () => {
  it('uses the default duration and waits for approval', () => {
    const checked = checkNewRequest(policy, { roleName: 'writer', requester: alice, reason: 'fix', ticket: 'INC-1' });
    expect(checked.durationMs).toBe(3_600_000);
    expect(checked.outcome).toBe('pending');
    expect(checked.approvalsRequired).toBe(2);
  });

  it('auto-approves within the auto_approve band only', () => {
    expect(checkNewRequest(policy, { roleName: 'readonly', requester: alice, reason: 'x', durationMs: 15 * M }).outcome).toBe('auto_approved');
    expect(checkNewRequest(policy, { roleName: 'readonly', requester: alice, reason: 'x', durationMs: 16 * M }).outcome).toBe('pending');
  });

  it('break-glass only where the role allows it', () => {
    expect(checkNewRequest(policy, { roleName: 'breakglass', requester: alice, reason: 'fire', breakGlass: true }).outcome).toBe('break_glass');
    expect(codeOf(() => checkNewRequest(policy, { roleName: 'readonly', requester: alice, reason: 'fire', breakGlass: true }))).toBe('break_glass_not_allowed');
  });

  it.each([
    [{ roleName: 'nope' }, 'unknown_role'],
    [{ requester: mallory }, 'not_requester'],
    [{ durationMs: 5 * 3_600_000 }, 'duration_too_long'],
    [{ durationMs: 30_000 }, 'duration_too_short'],
    [{ reason: '   ' }, 'reason_required'],
    [{ roleName: 'writer', ticket: null }, 'ticket_required'],
    [{ roleName: 'writer', ticket: 'JIRA-1' }, 'ticket_invalid'],
  ])('refuses %j with %s', (patch, code) => {
    const input = { roleName: 'readonly', requester: alice, reason: 'because', durationMs: 30 * M, ticket: 'INC-9', ...patch };
    expect(codeOf(() => checkNewRequest(policy, input))).toBe(code);
  });

  it('checks permission before anything about the request itself', () => {
    expect(codeOf(() => checkNewRequest(policy, { roleName: 'writer', requester: mallory, reason: '', durationMs: 99 * 3_600_000 }))).toBe('not_requester');
  });

  it('tells an unknown role which roles the person may request', () => {
    expect(() => checkNewRequest(policy, { roleName: 'root', requester: alice, reason: 'x' })).toThrow(/readonly, writer, breakglass/);
    expect(requestableRoles(policy, mallory)).toEqual([]);
  });

  it('matches by platform id as well as email', () => {
    const p = testPolicy([role('r', { requesters: new Set(['slack:UZED']) })]);
    expect(checkNewRequest(p, { roleName: 'r', requester: { slackId: 'UZED' }, reason: 'x' }).role.name).toBe('r');
  });
});

describe('reviewing a request', () => {
  const writer = policy.roles.writer!;
  const pending = { status: 'pending' as const, requester: alice, approvalsRequired: 2 };

  it('needs distinct approvers up to the threshold', () => {
    expect(evaluateReview(writer, pending, [], bob, 'approve')).toEqual({ kind: 'recorded', approvals: 1, remaining: 1 });
    const prior = [{ reviewerKey: 'bob@example.com', reviewer: bob, decision: 'approve' as const }];
    expect(evaluateReview(writer, pending, prior, carol, 'approve')).toEqual({ kind: 'approved', approvals: 2 });
    expect(codeOf(() => evaluateReview(writer, pending, prior, { ...bob, slackId: null }, 'approve'))).toBe('already_reviewed');
  });

  it('one eligible deny denies', () => {
    expect(evaluateReview(writer, pending, [], carol, 'deny')).toEqual({ kind: 'denied' });
  });

  it('never counts the requester', () => {
    expect(codeOf(() => evaluateReview(writer, { ...pending, requester: bob }, [], bob, 'approve'))).toBe('self_approval');
    // Same person reached through a different identifier is still the same person.
    expect(codeOf(() => evaluateReview(writer, { ...pending, requester: { slackId: 'UBOB' } }, [], bob, 'approve'))).toBe('self_approval');
    const stale = [{ reviewerKey: 'alice@example.com', reviewer: alice, decision: 'approve' as const }];
    expect(countDistinctApprovals(writer, alice, stale)).toBe(0);
  });

  it('checks permission before state, so outsiders learn nothing', () => {
    const decided = { ...pending, status: 'approved' as const, decidedBy: 'bob' };
    expect(codeOf(() => evaluateReview(writer, decided, [], mallory, 'approve'))).toBe('not_approver');
    expect(codeOf(() => evaluateReview(writer, { ...decided, requester: bob }, [], bob, 'approve'))).toBe('self_approval');
    expect(() => evaluateReview(writer, decided, [], carol, 'approve')).toThrow(/already approved by bob/);
  });

  it('ignores approvals from people no longer eligible', () => {
    const prior = [{ reviewerKey: 'mallory@example.com', reviewer: mallory, decision: 'approve' as const }];
    expect(evaluateReview(writer, pending, prior, bob, 'approve')).toEqual({ kind: 'recorded', approvals: 1, remaining: 1 });
  });
});

describe('cancelling', () => {
  it('only the requester, only while pending (permission first)', () => {
    expect(codeOf(() => checkCancel({ status: 'approved', requester: alice, approvalsRequired: 1 }, bob))).toBe('not_allowed');
    expect(codeOf(() => checkCancel({ status: 'approved', requester: alice, approvalsRequired: 1 }, alice))).toBe('not_pending');
    expect(codeOf(() => checkCancel({ status: 'pending', requester: alice, approvalsRequired: 1 }, alice))).toBe('ok');
  });
});
