import { describe, expect, it } from 'vitest';
import { checkMessageLimits } from '../../../playground/slack-emulator/limits.ts';
import { slackNotice as requesterNotice, slackRetired as retiredNotice } from '../../support/slack-render.ts';
import { allText, BOB_REVIEW, buttonsOf, grantView, requestView, T0 } from '../../support/slack-views.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

const now = T0 + 120_000;
const opts = { now };

describe('requesterNotice', () => {
  it('filed: waiting for N approvals from the approvers, with a Cancel button', () => {
    const message = requesterNotice(requestView({ approvalsRequired: 2 }), { type: 'request.filed', requestId: asRequestId(42) }, opts)!;
    expect(message.blocks[0]).toMatchObject({ type: 'section' });
    expect(allText(message.blocks)).toContain('Waiting for 2 approvals from <@U0BOB>, carol@example.com');
    expect(buttonsOf(message.blocks)).toEqual([expect.objectContaining({ action_id: 'request_cancel', value: '42' })]);
    expect(checkMessageLimits(message)).toBeNull();
  });

  it('filed, delivered late after a person approved, still says filed (not auto-approved)', () => {
    const late = requesterNotice(requestView({ status: 'approved', reviews: [BOB_REVIEW], grant: grantView() }), { type: 'request.filed', requestId: asRequestId(42) }, opts)!;
    expect(late.text).toContain('was filed');
    expect(allText(late)).not.toContain('auto-approved');
  });

  it('a retired DM keeps its words, loses its buttons and says where things stand', () => {
    const filed = requesterNotice(requestView(), { type: 'request.filed', requestId: asRequestId(42) }, opts)!;
    const approved = retiredNotice(filed, requestView({ status: 'approved', reviews: [BOB_REVIEW], grant: grantView() }), 'pending');
    expect(buttonsOf(approved.blocks)).toEqual([]);
    expect(approved.text).toBe(filed.text);
    expect(approved.blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '✅ Approved by <@U0BOB>.' }] });
    const ended = retiredNotice(filed, requestView({ status: 'approved', grant: grantView({ status: 'revoking' }) }), 'active');
    expect(ended.blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '⏳ Removing access…' }] });
    expect(checkMessageLimits(ended)).toBeNull();
  });

  it('filed as break-glass or auto-approved says so', () => {
    expect(allText(requesterNotice(requestView({ status: 'approved', breakGlass: true }), { type: 'request.filed', requestId: asRequestId(42) }, opts))).toContain('flagged for review');
    expect(allText(requesterNotice(requestView({ status: 'approved', autoApproved: true }), { type: 'request.filed', requestId: asRequestId(42) }, opts))).toContain('auto-approved');
  });

  it('approved and denied say by whom and why', () => {
    const approved = requesterNotice(requestView({ status: 'approved', reviews: [BOB_REVIEW] }), { type: 'request.reviewed', requestId: asRequestId(42), reviewer: 'slack:U0BOB', decision: 'approve', final: true }, opts)!;
    expect(approved.text).toContain('approved by <@U0BOB>');
    const denied = requesterNotice(
      requestView({ status: 'denied', reviews: [{ ...BOB_REVIEW, decision: 'deny', note: 'use the replica' }] }),
      { type: 'request.reviewed', requestId: asRequestId(42), reviewer: 'slack:U0BOB', decision: 'deny', final: true, note: 'use the replica' },
      opts,
    )!;
    expect(denied.text).toContain('denied by <@U0BOB>: use the replica');
  });

  it('a first approval delivered late still names that approver and that step', () => {
    const carol = { ...BOB_REVIEW, who: { email: 'carol@example.com', slackId: 'U0CAROL', name: 'Carol' }, at: T0 + 90_000 };
    const view = requestView({ status: 'approved', approvalsRequired: 2, reviews: [BOB_REVIEW, carol], grant: grantView() });
    const first = requesterNotice(view, { type: 'request.reviewed', requestId: asRequestId(42), reviewer: 'Bob', decision: 'approve', final: false }, opts)!;
    expect(first.text).toBe('👍 <@U0BOB> approved your request AR-42 *readonly* on `orders-db` (1 of 2).');
    const final = requesterNotice(view, { type: 'request.reviewed', requestId: asRequestId(42), reviewer: 'Carol', decision: 'approve', final: true }, opts)!;
    expect(final.text).toContain('was approved by <@U0BOB> and <@U0CAROL>');
  });

  it('an approved extension: no DM of its own while the access runs (the "extended" DM says the new end); a plain word when it had ended', () => {
    const extension = { kind: 'extend' as const, status: 'approved' as const, reviews: [BOB_REVIEW] };
    const reviewed = { type: 'request.reviewed' as const, requestId: asRequestId(42), reviewer: 'Bob', decision: 'approve' as const, final: true };
    expect(requesterNotice(requestView({ ...extension, grant: grantView() }), reviewed, opts)).toBeNull();
    const late = requesterNotice(requestView({ ...extension, grant: grantView({ status: 'revoked', revokeReason: 'expired' }) }), reviewed, opts)!;
    expect(late.text).toContain('was approved by <@U0BOB>, but the access has ended');
    expect(late.text).not.toContain('Setting up access');
  });

  it('active with credentials offers "Show credentials" carrying only the request id', () => {
    const message = requesterNotice(requestView({ status: 'approved', grant: grantView({ hasCredentials: true }) }), { type: 'grant.changed', requestId: asRequestId(42), grantId: 'g1abc', event: 'active' }, opts)!;
    expect(allText(message.blocks)).toMatch(/is active until <!date\^/);
    expect(buttonsOf(message.blocks).map((b) => [b.action_id, b.value])).toEqual([
      ['grant_show_credentials', '42'],
      ['grant_revoke', '42'],
    ]);
    const without = requesterNotice(requestView({ status: 'approved', grant: grantView() }), { type: 'grant.changed', requestId: asRequestId(42), grantId: 'g1abc', event: 'active' }, opts)!;
    expect(buttonsOf(without.blocks).map((b) => b.action_id)).toEqual(['grant_revoke']);
  });

  it('expiring soon offers Extend', () => {
    const message = requesterNotice(requestView({ status: 'approved', grant: grantView() }), { type: 'grant.changed', requestId: asRequestId(42), grantId: 'g1abc', event: 'expiring_soon' }, { now: T0 + 26 * 60_000 })!;
    expect(allText(message.blocks)).toContain('(in 5m)');
    expect(buttonsOf(message.blocks)).toEqual([expect.objectContaining({ action_id: 'grant_extend_open', value: '42' })]);
  });

  it('failed never shows the provider error (that goes to the audit channel) and says what to do next', () => {
    const view = requestView({ status: 'approved', grant: grantView({ status: 'failed', lastError: 'connect ECONNREFUSED postgres://admin:hunter2@10.0.0.5' }) });
    const detail = 'postgres orders-db: mode existing grants role memberships only; move privileges into a role';
    const message = requesterNotice(view, { type: 'grant.changed', requestId: asRequestId(42), grantId: 'g1abc', event: 'failed', detail }, opts)!;
    const text = allText(message);
    expect(text).toContain('nothing was granted');
    expect(text).toContain('/request-access');
    expect(text).not.toContain('move privileges');
    expect(text).not.toContain('hunter2');
  });

  it('ended: expired vs revoked by someone', () => {
    const expired = requesterNotice(requestView({ status: 'approved', grant: grantView({ status: 'revoked', revokeReason: 'expired', revokedAt: T0 + 31 * 60_000 }) }), { type: 'grant.changed', requestId: asRequestId(42), grantId: 'g1abc', event: 'revoked' }, opts)!;
    expect(expired.text).toContain('expired');
    const revoked = requesterNotice(
      requestView({ status: 'approved', grant: grantView({ status: 'revoked', revokeReason: 'revoked early: incident over', revokedBy: 'slack:U0BOB', revokedAt: T0 + 10 * 60_000 }) }),
      { type: 'grant.changed', requestId: asRequestId(42), grantId: 'g1abc', event: 'revoked' },
      opts,
    )!;
    expect(revoked.text).toMatch(/was revoked .* by <@U0BOB>: incident over/);
  });

  it('lapsed and cancelled requests, and nothing for audit notices', () => {
    expect(requesterNotice(requestView({ status: 'expired' }), { type: 'request.closed', requestId: asRequestId(42), status: 'expired' }, opts)!.text).toContain('lapsed');
    expect(requesterNotice(requestView({ status: 'cancelled' }), { type: 'request.closed', requestId: asRequestId(42), status: 'cancelled' }, opts)!.text).toContain('You cancelled');
    expect(requesterNotice(requestView(), { type: 'audit.alert', code: 'break_glass', text: 'x' }, opts)).toBeNull();
    expect(requesterNotice(requestView(), { type: 'grant.changed', requestId: asRequestId(42), grantId: 'g', event: 'active' }, opts)).toBeNull();
  });
});
