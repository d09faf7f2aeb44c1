/**
 * What each notice says in each state, platform-free: the message models read as plain words (dates in the
 * policy's timezone), at a fixed instant. Written for a chat where commands are typed without a slash (as in
 * Teams), so any Slack syntax leaking into the wording would show.
 */
import { describe, expect, it } from 'vitest';
import {
  approvalCard,
  auditAlert,
  awaitingReviewAnswer,
  buttonsOf,
  digestMessage,
  extensionAnswer,
  filedAnswer,
  helpMessage,
  myAccessAnswer,
  personalView,
  plainText,
  requesterNotice,
  retiredNotice,
  revokedAnswer,
  threadEventOf,
  threadStep,
  type Block,
  type ChatDialect,
  type ChatMessage,
  type RichText,
} from '../../../src/chat/index.ts';
import type { Notice } from '../../../src/app/ports.ts';
import { BOB_REVIEW, grantView, requestView, T0 } from '../../support/slack-views.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

const TEAMS: ChatDialect = { platform: 'teams', platformName: 'Teams', commandPrefix: '', personalView: 'personal tab' };
const now = T0 + 120_000;
const opts = { now, dialect: TEAMS };

const words = (text: RichText): string => plainText(text);

function blockWords(block: Block): string {
  switch (block.type) {
    case 'heading':
      return block.text;
    case 'paragraph':
    case 'note':
      return words(block.text);
    case 'fields':
      return block.fields.map((f) => `${f.label}: ${words(f.value)}`).join('\n');
    case 'lines':
      return block.lines.map(words).join('\n');
    default:
      return '';
  }
}

/** Everything a message says, summary first. */
const said = (message: ChatMessage | null): string => (message ? [words(message.summary), ...message.blocks.map(blockWords)].join('\n') : '');
const buttons = (blocks: readonly Block[]) => buttonsOf(blocks).map((b) => `${b.action}:${b.requestId}`);

const filed: Notice = { type: 'request.filed', requestId: asRequestId(42) };
const grantEvent = (event: Extract<Notice, { type: 'grant.changed' }>['event']): Notice => ({ type: 'grant.changed', requestId: asRequestId(42), grantId: 'g1abc', event });
const CAROL_REVIEW = { ...BOB_REVIEW, who: { email: 'carol@example.com', slackId: 'U0CAROL', name: 'Carol' }, at: T0 + 90_000 };

describe('the approval card', () => {
  it('while pending: the facts, who can approve, when it lapses, and Approve / Deny carrying only the request id', () => {
    const card = approvalCard(requestView(), opts);
    expect(words(card.summary)).toBe('🔑 Access request AR-42: Alice wants readonly for 30m — waiting for approval (0 of 1)');
    const text = said(card);
    expect(text).toContain('🔑 Access request AR-42 · readonly');
    expect(text).toContain('Requester: Alice (alice@example.com)');
    expect(text).toContain('Role: readonly on orders-db');
    expect(text).toContain('Duration: 30m');
    expect(text).toContain('Ticket: INC-123');
    expect(text).toContain('Approvals: 0 of 1');
    expect(text).toContain('Lapses: Mon, 5 Jan 2026, 11:00 CET');
    expect(text).toContain('Reason\nchecking INC-123');
    // On Teams, approvers the policy names by Slack id are counted, not shown as ids.
    expect(text).toContain('Can approve: carol@example.com, 1 Slack user');
    expect(text).toContain('⏳ Waiting for 1 more approval · lapses Mon, 5 Jan 2026, 11:00 CET');
    expect(card.blocks.find((b) => b.type === 'buttons')).toEqual({
      type: 'buttons',
      id: 'request_actions',
      buttons: [
        { action: 'approve', requestId: 42, label: 'Approve', style: 'primary' },
        { action: 'deny', requestId: 42, label: 'Deny', style: 'danger' },
      ],
    });
  });

  it('counts approvals and leaves those who reviewed out of "can approve"', () => {
    const card = approvalCard(requestView({ approvalsRequired: 2, reviews: [BOB_REVIEW], approverMembers: ['bob@example.com', 'carol@example.com'] }), opts);
    expect(said(card)).toContain('Approvals: 1 of 2 — Bob');
    expect(said(card)).toContain('Can approve: carol@example.com\n');
  });

  it.each([
    ['approved, being set up', { status: 'approved', reviews: [BOB_REVIEW], grant: grantView({ status: 'granting' }) }, '✅ Approved by Bob\n⏳ Setting up access…'],
    ['active', { status: 'approved', reviews: [BOB_REVIEW], grant: grantView() }, '🟢 Access active until Mon, 5 Jan 2026, 10:31 CET'],
    ['denied', { status: 'denied', reviews: [{ ...BOB_REVIEW, decision: 'deny', note: 'not during\nthe freeze' }] }, '❌ Denied by Bob: not during the freeze'],
    ['cancelled', { status: 'cancelled' }, '🚫 Cancelled by the requester'],
    ['expired', { status: 'expired' }, '⌛ Expired: nobody decided before Mon, 5 Jan 2026, 11:00 CET'],
    ['revoked early', { status: 'approved', grant: grantView({ status: 'revoked', revokedAt: T0 + 600_000, revokeReason: 'revoked early: done', revokedBy: 'cli:ops' }) }, '⏹️ Access revoked Mon, 5 Jan 2026, 10:10 CET by ops (command line): done'],
    ['expired access', { status: 'approved', grant: grantView({ status: 'revoked', revokedAt: T0 + 31 * 60_000, revokeReason: 'expired', revokedBy: 'system' }) }, '⏹️ Access expired Mon, 5 Jan 2026, 10:31 CET'],
    ['revoke overdue', { status: 'approved', grant: grantView({ status: 'revoking', overdue: true }) }, '⚠️ Revoke overdue: access should have ended Mon, 5 Jan 2026, 10:31 CET; accessbot keeps retrying'],
    ['failed', { status: 'approved', grant: grantView({ status: 'failed', lastError: 'password=hunter2' }) }, '❗ Granting failed; the admins were alerted'],
    ['auto-approved', { status: 'approved', autoApproved: true, grant: grantView() }, '⚡ Auto-approved (within the role’s auto-approval limit)'],
    ['break-glass', { status: 'approved', breakGlass: true, grant: grantView() }, '🚨 Break-glass self-activation: no approval, flagged for review'],
  ] as const)('once %s: says so and has no buttons', (_, overrides, expected) => {
    const card = approvalCard(requestView(overrides as Parameters<typeof requestView>[0]), opts);
    expect(said(card)).toContain(expected);
    expect(buttonsOf(card.blocks)).toEqual([]);
    expect(said(card)).not.toContain('hunter2');
    expect(said(card)).not.toContain('Can approve');
  });

  it('marks extensions and break-glass in the heading and says what an extension extends', () => {
    const extension = approvalCard(requestView({ kind: 'extend', extendsGrantId: 'g1abc', grant: grantView() }), opts);
    expect(said(extension)).toContain('⏩ Extension AR-42 · readonly');
    expect(said(extension)).toContain('Extend by: 30m');
    expect(said(extension)).toContain('⏩ Extends the current access, which ends Mon, 5 Jan 2026, 10:31 CET.');
    const glass = approvalCard(requestView({ status: 'approved', breakGlass: true, grant: grantView() }), opts);
    expect(words(glass.summary)).toBe('🚨 Break-glass AR-42: Alice wants readonly for 30m — break-glass, flagged for review');
    expect(said(glass)).toContain('Approvals: None: break-glass');
  });

  it('caps what people typed: a 5,000-character reason is cut, and a long approver list ends "and N more"', () => {
    const card = approvalCard(requestView({ reason: 'r'.repeat(5000), approverMembers: Array.from({ length: 400 }, (_, i) => `approver-${i}@example.com`) }), opts);
    const reason = card.blocks.find((b) => b.type === 'paragraph' && b.id === 'request_reason')!;
    expect(blockWords(reason).length).toBeLessThanOrEqual(3000);
    expect(blockWords(reason).endsWith('…')).toBe(true);
    expect(said(card)).toMatch(/and \d+ more/);
  });
});

describe('the thread under the card', () => {
  it('has one step for each decision and grant event, none for a reminder', () => {
    expect(threadEventOf({ type: 'request.reviewed', requestId: asRequestId(42), reviewer: 'Bob', decision: 'approve', final: false })).toBe('approval');
    expect(threadEventOf({ type: 'request.reviewed', requestId: asRequestId(42), reviewer: 'Bob', decision: 'approve', final: true })).toBe('approved');
    expect(threadEventOf({ type: 'request.reviewed', requestId: asRequestId(42), reviewer: 'Bob', decision: 'deny', final: true })).toBe('denied');
    expect(threadEventOf({ type: 'request.closed', requestId: asRequestId(42), status: 'expired' })).toBe('expired');
    expect(threadEventOf(grantEvent('active'))).toBe('active');
    expect(threadEventOf(grantEvent('expiring_soon'))).toBeNull();
    expect(threadEventOf({ type: 'digest', period: 'p', title: 't', markdown: '' })).toBeNull();
  });

  it('says each step, naming the approver a late notice is about', () => {
    const both = requestView({ status: 'approved', approvalsRequired: 2, reviews: [BOB_REVIEW, CAROL_REVIEW], grant: grantView() });
    expect(words(threadStep(both, 'approval', { reviewer: 'Bob' }))).toBe('👍 Bob approved (1 of 2).');
    expect(words(threadStep(both, 'approval', { reviewer: 'Carol' }))).toBe('👍 Carol approved (2 of 2).');
    expect(words(threadStep(both, 'approved'))).toBe('✅ Approved by Bob and Carol.');
    expect(words(threadStep(both, 'active'))).toBe('🟢 Access granted to Alice until Mon, 5 Jan 2026, 10:31 CET.');
    expect(words(threadStep(both, 'extended'))).toBe('⏩ Extended: access now ends Mon, 5 Jan 2026, 10:31 CET.');
    expect(words(threadStep(requestView({ status: 'cancelled' }), 'cancelled'))).toBe('🚫 Cancelled by the requester.');
    expect(words(threadStep(requestView({ status: 'approved', grant: grantView({ status: 'revoking', overdue: true }) }), 'revoke_overdue'))).toBe(
      '⚠️ Revoke overdue: access should have ended Mon, 5 Jan 2026, 10:31 CET. accessbot keeps retrying; the auditors were alerted.',
    );
  });
});

describe('the requester notice', () => {
  it('filed: whom it waits for, when it lapses, and a Cancel that asks first', () => {
    const message = requesterNotice(requestView({ approvalsRequired: 2 }), filed, opts)!;
    expect(words(message.summary)).toBe('📨 Your request AR-42 readonly on orders-db for 30m was filed.');
    expect(said(message)).toContain('Waiting for 2 approvals from carol@example.com, 1 Slack user.\nIf nobody decides, it lapses Mon, 5 Jan 2026, 11:00 CET.');
    expect(buttonsOf(message.blocks)).toEqual([
      { action: 'cancel', requestId: 42, label: 'Cancel request', confirm: { title: 'Cancel request?', text: 'AR-42 will be withdrawn.', yes: 'Cancel it', no: 'Keep it' } },
    ]);
  });

  it('names commands as typed on the platform', () => {
    const lapsed = requesterNotice(requestView({ status: 'expired' }), { type: 'request.closed', requestId: asRequestId(42), status: 'expired' }, opts)!;
    expect(said(lapsed)).toContain('File a new one with request-access.');
    expect(said(lapsed)).not.toContain('/request-access');
  });

  it('active: until when, and Show credentials only when there are some; End access asks first', () => {
    const withCreds = requesterNotice(requestView({ status: 'approved', grant: grantView({ hasCredentials: true }) }), grantEvent('active'), opts)!;
    expect(said(withCreds)).toContain('🟢 Your access AR-42 readonly on orders-db is active until Mon, 5 Jan 2026, 10:31 CET.\nYour credentials are shown only to you: press Show credentials.');
    expect(buttons(withCreds.blocks)).toEqual(['show_credentials:42', 'revoke:42']);
    const without = requesterNotice(requestView({ status: 'approved', grant: grantView() }), grantEvent('active'), opts)!;
    expect(buttons(without.blocks)).toEqual(['revoke:42']);
    expect(buttonsOf(without.blocks)[0]!.confirm?.title).toBe('End access now?');
  });

  it('the reminder says how long is left, by the clock it is given, and offers Extend', () => {
    const view = requestView({ status: 'approved', grant: grantView() });
    const reminder = requesterNotice(view, grantEvent('expiring_soon'), { ...opts, now: T0 + 26 * 60_000 })!;
    expect(words(reminder.summary)).toBe('⏰ Your access AR-42 readonly on orders-db ends Mon, 5 Jan 2026, 10:31 CET (in 5m). Need more time? Ask to extend it.');
    expect(buttons(reminder.blocks)).toEqual(['extend:42']);
    expect(said(requesterNotice(view, grantEvent('expiring_soon'), { ...opts, now: T0 + 30 * 60_000 + 40_000 }))).toContain('(in less than a minute)');
  });

  it('decisions: who approved (one step at a time) or denied and why', () => {
    const view = requestView({ status: 'approved', approvalsRequired: 2, reviews: [BOB_REVIEW, CAROL_REVIEW], grant: grantView() });
    expect(words(requesterNotice(view, { type: 'request.reviewed', requestId: asRequestId(42), reviewer: 'Bob', decision: 'approve', final: false }, opts)!.summary)).toBe(
      '👍 Bob approved your request AR-42 readonly on orders-db (1 of 2).',
    );
    expect(said(requesterNotice(view, { type: 'request.reviewed', requestId: asRequestId(42), reviewer: 'Carol', decision: 'approve', final: true }, opts))).toContain('was approved by Bob and Carol. Setting up access…');
    const denied = requestView({ status: 'denied', reviews: [{ ...BOB_REVIEW, decision: 'deny', note: 'use the replica' }] });
    expect(said(requesterNotice(denied, { type: 'request.reviewed', requestId: asRequestId(42), reviewer: 'Bob', decision: 'deny', final: true }, opts))).toContain('❌ Your request AR-42 readonly on orders-db was denied by Bob: use the replica.');
  });

  it('ended, failed and overdue; nothing for notices that are not theirs', () => {
    const ended = requestView({ status: 'approved', grant: grantView({ status: 'revoked', revokeReason: 'expired', revokedAt: T0 + 31 * 60_000 }) });
    expect(said(requesterNotice(ended, grantEvent('revoked'), opts))).toContain('⏹️ Your access AR-42 readonly on orders-db expired Mon, 5 Jan 2026, 10:31 CET. File a new request with request-access if you need more.');
    const failed = requestView({ status: 'approved', grant: grantView({ status: 'failed', lastError: 'password=hunter2' }) });
    const failure = said(requesterNotice(failed, { ...grantEvent('failed'), detail: 'password=hunter2' } as Notice, opts));
    expect(failure).toContain('nothing was granted');
    expect(failure).not.toContain('hunter2');
    expect(said(requesterNotice(requestView({ status: 'approved', grant: grantView({ status: 'revoking', overdue: true }) }), grantEvent('revoke_overdue'), opts))).toContain('please stop using it');
    expect(requesterNotice(requestView(), { type: 'audit.alert', code: 'drift', text: 'x' }, opts)).toBeNull();
    expect(requesterNotice(requestView(), grantEvent('active'), opts)).toBeNull();
  });

  it('once its buttons no longer apply: the same words, no buttons, and where things stand', () => {
    const sent = requesterNotice(requestView(), filed, opts)!;
    const retired = retiredNotice(sent, requestView({ status: 'approved', reviews: [BOB_REVIEW], grant: grantView() }), 'pending');
    expect(retired.summary).toEqual(sent.summary);
    expect(buttonsOf(retired.blocks)).toEqual([]);
    expect(retired.blocks.at(-1)).toMatchObject({ type: 'note' });
    expect(blockWords(retired.blocks.at(-1)!)).toBe('✅ Approved by Bob.');
    const ended = retiredNotice(sent, requestView({ status: 'approved', grant: grantView({ status: 'revoking' }) }), 'active');
    expect(blockWords(ended.blocks.at(-1)!)).toBe('⏳ Removing access…');
  });
});

describe('the audit channel', () => {
  it('an alert names the request and its who/what/why', () => {
    const alert = auditAlert({ type: 'audit.alert', code: 'break_glass', text: 'alice activated breakglass', requestId: asRequestId(42) }, requestView({ breakGlass: true }));
    expect(words(alert.summary)).toBe('🚨 Break-glass activation AR-42: alice activated breakglass');
    expect(said(alert)).toContain('Alice · readonly on orders-db · 30m\nReason: checking INC-123');
    expect(words(auditAlert({ type: 'audit.alert', code: 'orphan', text: 'role r1\nleft', requestId: asRequestId(7) }).summary)).toBe('👻 Access without a grant record AR-7: role r1 left');
  });

  it('the digest reads the core Markdown as lines, with where to find all of it', () => {
    const digest = digestMessage({ type: 'digest', period: '2026-01-05', title: 'Daily access digest', markdown: '# Monday\n- **3** requests\n  * one nested' });
    expect(words(digest.summary)).toBe('Daily access digest (2026-01-05)');
    const lines = digest.blocks.find((b) => b.type === 'lines')!;
    expect(lines.type === 'lines' && lines.lines).toEqual([[{ type: 'bold', text: 'Monday' }], [{ type: 'text', text: '• ' }, { type: 'bold', text: '3' }, { type: 'text', text: ' requests' }], [{ type: 'text', text: '  • one nested' }]]);
    expect(lines.type === 'lines' && words(lines.overflow)).toBe('Run accessbot audit digest for the full digest.');
    expect(said(digestMessage({ type: 'digest', period: 'p', title: 't', markdown: '\n  \n' }))).toContain('Nothing happened in this period.');
  });
});

describe('help, answers and the personal view', () => {
  const roles = [{ name: 'readonly', description: 'Read-only SQL', maxDurationMs: 4 * 3_600_000, defaultDurationMs: 3_600_000, requireTicket: '', breakGlass: true }];

  it('help gives the usage as typed here and the roles with their limits', () => {
    const help = words(helpMessage({ command: 'request-access', roles, dialect: TEAMS }));
    expect(help).toContain('• request-access ROLE DURATION REASON… — file directly, e.g. request-access readonly 30m checking INC-123');
    expect(help).toContain('• readonly — Read-only SQL (up to 4h, default 1h, ticket required, break-glass allowed)');
    expect(words(helpMessage({ command: 'access', roles: [], dialect: TEAMS }))).toMatch(/access extend AR-42 30m[\s\S]*You may not request any role yet/);
  });

  it('answers say what was filed and what happens next', () => {
    expect(words(filedAnswer(requestView(), 'pending', TEAMS).summary)).toBe("📨 Filed AR-42 readonly on orders-db for 30m. Waiting for an approval from carol@example.com, 1 Slack user. I'll DM you when it is decided.");
    expect(words(extensionAnswer(requestView({ kind: 'extend', status: 'approved' }), true, TEAMS).summary)).toBe('⏩ Extension AR-42 (+30m) was auto-approved.');
    expect(words(revokedAnswer(requestView(), 'someone else').summary)).toBe('⏹️ Ending AR-42 now; Alice gets a DM when the access is gone.');
  });

  it('lists are cut to what the platform shows, pointing to the personal view', () => {
    const pending = Array.from({ length: 5 }, (_, i) => requestView({ id: i + 1, ref: `AR-${i + 1}` }));
    const mine = myAccessAnswer({ active: [], pending }, { dialect: TEAMS, itemsPerList: 2 });
    expect(buttons(mine.blocks)).toEqual(['cancel:1', 'cancel:2']);
    expect(said(mine)).toContain('…and 3 more: see the accessbot personal tab.');
    expect(said(mine)).toContain('access revoke AR-42 · access extend AR-42 30m · access cancel AR-42');
    expect(said(awaitingReviewAnswer([], { dialect: TEAMS, itemsPerList: 2 }))).toBe('Nothing waits for your review.');
  });

  it('the personal view: my access with its buttons, my pending requests, what I may review', () => {
    const view = personalView({
      grants: [requestView({ id: 1, ref: 'AR-1', status: 'approved', grant: grantView({ hasCredentials: true }) }), requestView({ id: 2, ref: 'AR-2', status: 'approved', grant: grantView({ status: 'revoking' }) })],
      pending: [requestView({ id: 3, ref: 'AR-3' })],
      toReview: [requestView({ id: 4, ref: 'AR-4', requester: { email: 'carol@example.com', name: 'Carol' } })],
      now,
      dialect: TEAMS,
      itemsPerList: 15,
    });
    expect(buttons(view.blocks)).toEqual(['open_request_form:null', 'show_credentials:1', 'extend:1', 'revoke:1', 'cancel:3', 'approve:4', 'deny:4']);
    const text = view.blocks.map(blockWords).join('\n');
    expect(text).toContain('readonly on orders-db · AR-1\n🟢 Until Mon, 5 Jan 2026, 10:31 CET');
    expect(text).toContain('readonly on orders-db · AR-2\n⏳ Being removed…');
    expect(text).toContain('Carol wants readonly on orders-db for 30m · AR-4 · ticket INC-123\nchecking INC-123\nApprovals 0 of 1');
    const empty = personalView({ grants: [], pending: [], toReview: [], now, dialect: TEAMS, itemsPerList: 15 }).blocks.map(blockWords).join('\n');
    expect(empty).toContain('No active access. Use request-access or the button above.');
  });
});
