import { describe, expect, it } from 'vitest';
import { checkMessageLimits, codePointLength } from '../../../playground/slack-emulator/limits.ts';
import { ACTION_IDS } from '../../../adapters/slack/render/index.ts';
import { slackCard as approvalCard, slackThread as threadMessage } from '../../support/slack-render.ts';
import { allText, BOB_REVIEW, buttonsOf, grantView, requestView, T0 } from '../../support/slack-views.ts';

const now = T0 + 120_000;

describe('approvalCard while pending', () => {
  const card = approvalCard(requestView(), { now });

  it('has Approve (primary) and Deny (danger) buttons whose value is the request id only', () => {
    expect(buttonsOf(card.blocks)).toEqual([
      expect.objectContaining({ action_id: ACTION_IDS.approve, value: '42', style: 'primary', text: expect.objectContaining({ text: 'Approve' }) }),
      expect.objectContaining({ action_id: 'request_deny', value: '42', style: 'danger', text: expect.objectContaining({ text: 'Deny' }) }),
    ]);
  });

  it('shows requester, role, resource, duration, ticket, approvals, approvers and the lapse time', () => {
    const text = allText(card.blocks);
    expect(card.blocks[0]).toEqual({ type: 'header', block_id: 'request_header', text: { type: 'plain_text', text: '🔑 Access request AR-42 · readonly', emoji: true } });
    expect(text).toContain('<@U0ALICE> (alice@example.com)');
    expect(text).toContain('readonly on `orders-db`');
    expect(text).toContain('*Duration*\n30m');
    expect(text).toContain('*Ticket*\nINC-123');
    expect(text).toContain('*Approvals*\n0 of 1');
    expect(text).toContain('Can approve: <@U0BOB>, carol@example.com');
    expect(text).toContain(`*Lapses*\n<!date^${(T0 + 3_600_000) / 1000}^{date_short_pretty} {time}|Mon, 5 Jan 2026, 11:00 CET>`);
    expect(text).toContain('Read-only SQL on the orders database');
    expect(card.text).toBe('🔑 Access request AR-42: Alice wants readonly for 30m — waiting for approval (0 of 1)');
  });

  it('is accepted by the emulator limit checks', () => {
    expect(checkMessageLimits(card)).toBeNull();
  });

  it('counts approvals so far and who gave them', () => {
    const partly = approvalCard(requestView({ approvalsRequired: 2, reviews: [BOB_REVIEW] }), { now });
    expect(allText(partly.blocks)).toContain('*Approvals*\n1 of 2 — <@U0BOB>');
    expect(allText(partly.blocks)).toContain('Waiting for 1 more approval');
  });
});

describe('approvalCard with hostile or huge input', () => {
  it('escapes pings, mentions and forged links in the reason, ticket and names', () => {
    const card = approvalCard(
      requestView({ reason: '<!channel> @here see <http://evil.example|runbook> <@U0BOB> *bold*', ticket: '<!everyone>', requester: { email: 'mallory@example.com', name: '<!here>' } }),
      { now },
    );
    const text = allText(card);
    expect(text).not.toMatch(/<!channel>|<!here>|<!everyone>|<http:|<@U0BOB> \*bold/);
    expect(text).not.toMatch(/@here/);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&lt;http://evil.example|runbook&gt;');
    expect(text).toContain('*bold*');
  });

  it('cuts a 5,000-character reason with … so Slack accepts the card', () => {
    const card = approvalCard(requestView({ reason: 'r'.repeat(4000) + '<>'.repeat(500) }), { now });
    expect(checkMessageLimits(card)).toBeNull();
    const reason = card.blocks.find((b) => 'block_id' in b && b.block_id === 'request_reason');
    const reasonText = (reason as { text: { text: string } }).text.text;
    expect(codePointLength(reasonText)).toBeLessThanOrEqual(3000);
    expect(reasonText.endsWith('…')).toBe(true);
  });

  it('stays within limits with a huge approver list and long role names', () => {
    const members = Array.from({ length: 400 }, (_, i) => `slack:U${String(i).padStart(8, '0')}`);
    const card = approvalCard(requestView({ approverMembers: members, role: 'r'.repeat(300), roleDescription: 'd'.repeat(5000), ticket: 't'.repeat(5000) }), { now });
    expect(checkMessageLimits(card)).toBeNull();
    expect(allText(card.blocks)).toMatch(/and \d+ more/);
  });
});

describe('approvalCard after a decision has no buttons and says what happened', () => {
  const cases: [string, Parameters<typeof requestView>[0], RegExp][] = [
    ['approved, granting', { status: 'approved', reviews: [BOB_REVIEW], grant: grantView({ status: 'granting' }) }, /✅ Approved by <@U0BOB>\n⏳ Setting up access/],
    ['active', { status: 'approved', reviews: [BOB_REVIEW], grant: grantView() }, /🟢 Access active until <!date\^\d+\^.*\|Mon, 5 Jan 2026, 10:31 CET>/],
    ['denied with a reason', { status: 'denied', reviews: [{ ...BOB_REVIEW, decision: 'deny', note: 'not during the freeze <!here>' }] }, /❌ Denied by <@U0BOB>: not during the freeze &lt;!here&gt;/],
    ['cancelled', { status: 'cancelled', decidedBy: 'Alice' }, /🚫 Cancelled by the requester/],
    ['expired', { status: 'expired' }, /⌛ Expired: nobody decided before/],
    ['revoked early', { status: 'approved', reviews: [BOB_REVIEW], grant: grantView({ status: 'revoked', revokedAt: T0 + 600_000, revokeReason: 'revoked early: done', revokedBy: 'slack:U0ALICE' }) }, /Access revoked .* by <@U0ALICE>: done/],
    ['ended at expiry', { status: 'approved', reviews: [BOB_REVIEW], grant: grantView({ status: 'revoked', revokedAt: T0 + 31 * 60_000, revokeReason: 'expired', revokedBy: 'system' }) }, /Access expired <!date/],
    ['failed', { status: 'approved', reviews: [BOB_REVIEW], grant: grantView({ status: 'failed', lastError: 'password authentication failed for postgres://admin:secret@db' }) }, /❗ Granting failed/],
    ['revoke overdue', { status: 'approved', reviews: [BOB_REVIEW], grant: grantView({ status: 'revoking', overdue: true }) }, /⚠️ \*Revoke overdue\*/],
    ['auto-approved', { status: 'approved', autoApproved: true, decidedBy: 'auto-approval', grant: grantView() }, /⚡ Auto-approved/],
  ];
  for (const [name, overrides, expected] of cases) {
    it(name, () => {
      const card = approvalCard(requestView(overrides), { now });
      expect(buttonsOf(card.blocks)).toEqual([]);
      expect(allText(card.blocks)).toMatch(expected);
      expect(allText(card)).not.toContain('secret');
      expect(checkMessageLimits(card)).toBeNull();
    });
  }

  it('does not say "0 of 1" approvals when none were needed', () => {
    const auto = approvalCard(requestView({ status: 'approved', autoApproved: true, decidedBy: 'auto-approval', grant: grantView() }), { now });
    expect(allText(auto.blocks)).toContain('*Approvals*\nNot needed: auto-approved');
    const glass = approvalCard(requestView({ status: 'approved', breakGlass: true, decidedBy: 'break-glass', grant: grantView() }), { now });
    expect(allText(glass.blocks)).toContain('*Approvals*\nNone: break-glass');
  });

  it('marks break-glass and extensions clearly in the header', () => {
    const glass = approvalCard(requestView({ status: 'approved', breakGlass: true, decidedBy: 'break-glass', grant: grantView() }), { now });
    expect(glass.blocks[0]).toMatchObject({ text: { text: '🚨 Break-glass AR-42 · readonly' } });
    expect(allText(glass.blocks)).toContain('flagged for review');
    const extension = approvalCard(requestView({ kind: 'extend', extendsGrantId: 'g1abc', grant: grantView() }), { now });
    expect(extension.blocks[0]).toMatchObject({ text: { text: '⏩ Extension AR-42 · readonly' } });
    expect(allText(extension.blocks)).toContain('*Extend by*\n30m');
    expect(buttonsOf(extension.blocks).map((b) => b.value)).toEqual(['42', '42']);
  });
});

describe('threadMessage', () => {
  it('says who approved or denied, and when access starts and ends', () => {
    expect(threadMessage(requestView({ status: 'approved', reviews: [BOB_REVIEW] }), 'approved', { now })).toBe('✅ Approved by <@U0BOB>.');
    expect(threadMessage(requestView({ status: 'denied', reviews: [{ ...BOB_REVIEW, decision: 'deny', note: 'no <@U1>' }] }), 'denied', { now })).toBe('❌ Denied by <@U0BOB>: no &lt;@U1&gt;.');
    expect(threadMessage(requestView({ status: 'approved', grant: grantView() }), 'active', { now })).toMatch(/^🟢 Access granted to <@U0ALICE> until <!date\^/);
    expect(threadMessage(requestView({ status: 'approved', grant: grantView({ status: 'revoking', overdue: true }) }), 'revoke_overdue', { now })).toMatch(/^⚠️ Revoke overdue/);
    expect(threadMessage(requestView({ approvalsRequired: 2, reviews: [BOB_REVIEW] }), 'approval', { now })).toBe('👍 <@U0BOB> approved (1 of 2).');
    // Delivered late, after Carol's approval too: it still tells Bob's step.
    const carol = { ...BOB_REVIEW, who: { email: 'carol@example.com', slackId: 'U0CAROL', name: 'Carol' }, at: T0 + 90_000 };
    const both = requestView({ status: 'approved', approvalsRequired: 2, reviews: [BOB_REVIEW, carol] });
    expect(threadMessage(both, 'approval', { now, reviewer: 'Bob' })).toBe('👍 <@U0BOB> approved (1 of 2).');
    expect(threadMessage(both, 'approval', { now, reviewer: 'Carol' })).toBe('👍 <@U0CAROL> approved (2 of 2).');
  });
});
