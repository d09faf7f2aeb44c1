import { describe, expect, it } from 'vitest';
import type { types } from '@slack/bolt';
import { checkMessageLimits, checkViewLimits, codePointLength } from '../../../playground/slack-emulator/limits.ts';
import type { RoleChoice } from '../../../src/chat/index.ts';
import { slackAlert as auditAlert, slackCard as approvalCard, slackDigest as digestMessage, slackHelp as helpText, slackHome as homeView } from '../../support/slack-render.ts';
import { allText, buttonsOf, grantView, requestView, T0 } from '../../support/slack-views.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

const now = T0 + 120_000;
const many = (n: number, make: (i: number) => ReturnType<typeof requestView>) => Array.from({ length: n }, (_, i) => make(i + 1));

describe('homeView', () => {
  it('lists my access with Extend/Revoke, my pending requests with Cancel, and reviews with Approve/Deny', () => {
    const home = homeView({
      grants: [requestView({ id: 1, ref: 'AR-1', status: 'approved', grant: grantView() })],
      pending: [requestView({ id: 2, ref: 'AR-2' })],
      toReview: [requestView({ id: 3, ref: 'AR-3', requester: { slackId: 'U0CAROL', email: 'carol@example.com' }, reason: '<!here> now' })],
      now,
    });
    expect(home.type).toBe('home');
    expect(buttonsOf(home.blocks).map((b) => [b.action_id, b.value])).toEqual([
      ['request_open_modal', 'new'],
      ['grant_extend_open', '1'],
      ['grant_revoke', '1'],
      ['request_cancel', '2'],
      ['request_approve', '3'],
      ['request_deny', '3'],
    ]);
    expect(allText(home.blocks)).not.toContain('<!here>');
    expect(checkViewLimits(home)).toBeNull();
  });

  it('offers Show credentials for an active grant that has them; only Revoke while it is being set up', () => {
    const home = homeView({
      grants: [
        requestView({ id: 1, ref: 'AR-1', status: 'approved', grant: grantView({ hasCredentials: true }) }),
        requestView({ id: 2, ref: 'AR-2', status: 'approved', grant: grantView({ status: 'granting' }) }),
      ],
      pending: [],
      toReview: [],
      now,
    });
    expect(buttonsOf(home.blocks).map((b) => [b.action_id, b.value])).toEqual([
      ['request_open_modal', 'new'],
      ['grant_show_credentials', '1'],
      ['grant_extend_open', '1'],
      ['grant_revoke', '1'],
      ['grant_revoke', '2'],
    ]);
    expect(checkViewLimits(home)).toBeNull();
  });

  it('shows a revoke overdue without buttons', () => {
    const home = homeView({ grants: [requestView({ status: 'approved', grant: grantView({ status: 'revoking', overdue: true }) })], pending: [], toReview: [], now });
    expect(allText(home.blocks)).toContain('⚠️ *Revoke overdue*');
    expect(buttonsOf(home.blocks).map((b) => b.action_id)).toEqual(['request_open_modal']);
  });

  it('says when lists are empty', () => {
    const text = allText(homeView({ grants: [], pending: [], toReview: [], now }).blocks);
    expect(text).toContain('No active access');
    expect(text).toContain('Nothing pending');
    expect(text).toContain('Nothing waits for you');
  });

  it('cuts long lists to stay within 100 blocks and says how many more', () => {
    const home = homeView({
      grants: many(40, (i) => requestView({ id: i, ref: `AR-${i}`, status: 'approved', grant: grantView() })),
      pending: many(40, (i) => requestView({ id: 100 + i, ref: `AR-${100 + i}` })),
      toReview: many(40, (i) => requestView({ id: 200 + i, ref: `AR-${200 + i}`, reason: 'r'.repeat(5000) })),
      now,
    });
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    expect(checkViewLimits(home)).toBeNull();
    expect(allText(home.blocks).match(/and 25 more — use `\/access`/g)).toHaveLength(3);
  });
});

describe('audit channel', () => {
  it('alerts carry the code, the request and escaped text', () => {
    const view = requestView({ status: 'approved', breakGlass: true, reason: 'prod down <!channel>' });
    const alert = auditAlert({ type: 'audit.alert', code: 'break_glass', text: 'alice self-activated admin <@U1>', requestId: asRequestId(42) }, view);
    expect(alert.text).toBe('🚨 Break-glass activation AR-42: alice self-activated admin &lt;@U1&gt;');
    expect(allText(alert.blocks)).toContain('Reason: prod down &lt;!channel&gt;');
    expect(checkMessageLimits(alert)).toBeNull();
    const bare = auditAlert({ type: 'audit.alert', code: 'drift', text: 'x'.repeat(10_000) });
    expect(checkMessageLimits(bare)).toBeNull();
  });

  it('digest translates Markdown, escapes, and splits to fit Slack', () => {
    const markdown = ['# Access digest', '**3** grants', '- alice: readonly <!here>', ...Array.from({ length: 3000 }, (_, i) => `- line ${i} ${'y'.repeat(40)}`)].join('\n');
    const digest = digestMessage({ type: 'digest', period: '2026-01-05', title: 'Daily access digest', markdown });
    expect(checkMessageLimits(digest)).toBeNull();
    const text = allText(digest.blocks);
    expect(text).toContain('*Access digest*\n*3* grants\n• alice: readonly &lt;!here&gt;');
    expect(text).toContain('Run `accessbot audit digest` for the full digest');
    expect(digest.text).toBe('Daily access digest (2026-01-05)');
  });
});

describe('helpText', () => {
  const roles: RoleChoice[] = [
    { name: 'readonly', description: 'Read-only SQL', maxDurationMs: 4 * 3_600_000, defaultDurationMs: 3_600_000, requireTicket: null, breakGlass: false, autoApprove: { maxDurationMs: 15 * 60_000 } },
    { name: 'admin', maxDurationMs: 3_600_000, defaultDurationMs: 1_800_000, requireTicket: '', breakGlass: true },
  ];

  it('gives /request-access usage and the roles with their limits', () => {
    const text = helpText({ command: 'request-access', roles });
    expect(text).toContain('`/request-access ROLE DURATION REASON…`');
    expect(text).toContain('`--ticket ID`, `--break-glass`');
    expect(text).toContain('• `readonly` — Read-only SQL (up to 4h, default 1h, auto-approved up to 15m)');
    expect(text).toContain('• `admin` (up to 1h, default 30m, ticket required, break-glass allowed)');
  });

  it('gives /access usage', () => {
    const text = helpText({ command: 'access', roles, minDurationMs: 5000 });
    for (const usage of ['`/access revoke AR-42`', '`/access cancel AR-42`', '`/access extend AR-42 30m`', '`/access pending`', '`/access help`']) expect(text).toContain(usage);
    expect(text).toContain('Minimum 5s.');
  });

  it('stays within 3000 characters for many roles', () => {
    const lots = Array.from({ length: 200 }, (_, i) => ({ ...roles[0]!, name: `role-${i}`, description: 'd'.repeat(300) }));
    const text = helpText({ command: 'request-access', roles: lots });
    expect(codePointLength(text)).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/…and \d+ more/);
  });

  it('tells a person with no roles what to do', () => {
    expect(helpText({ command: 'request-access', roles: [] })).toContain('You may not request any role yet');
  });
});

describe('type compatibility with Bolt', () => {
  it('messages and home views fit Bolt types', () => {
    const blocks: (types.KnownBlock | types.Block)[] = approvalCard(requestView(), { now }).blocks;
    const home: types.View = homeView({ grants: [], pending: [], toReview: [], now });
    expect(blocks.length).toBeGreaterThan(0);
    expect(home.type).toBe('home');
  });
});
