import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { buildDigest, type Digest, type DigestGrant } from '../../../src/audit/digest.ts';
import { formatDigest, SECTION_BUDGET } from '../../../src/audit/digest-format.ts';
import { verifyAuditChain } from '../../../src/audit/verify.ts';
import { requestExtension } from '../../../src/app/extend.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice, bob, carol } from '../../support/policy-fixture.ts';
import { H, M, playStory, SINCE, UNTIL, type Story } from './digest-story.ts';

const TZ = 'Europe/Berlin';

describe('the digest of a scripted day, built from the audit log alone', () => {
  let h: Harness;
  let story: Story;
  let digest: Digest;
  let markdown: string;
  let text: string;

  beforeAll(async () => {
    h = createHarness();
    story = await playStory(h);
    digest = await buildDigest(h.store, { since: SINCE, until: UNTIL, timezone: TZ, label: '2026-01-06' });
    markdown = formatDigest(digest, 'markdown');
    text = formatDigest(digest, 'text');
  });
  afterAll(async () => h.close());

  const line = (ref: string, section = markdown): string => {
    const found = section.split('\n').find((l) => l.startsWith(`- **${ref}**`));
    if (!found) throw new Error(`no line for ${ref} in\n${section}`);
    return found;
  };
  const section = (heading: string): string => {
    const block = markdown.split('\n\n').find((b) => b.startsWith(`**${heading}**`));
    if (!block) throw new Error(`no section "${heading}" in\n${markdown}`);
    return block;
  };

  it('opens with the window in the policy timezone and the totals a person reads first', () => {
    expect(markdown.split('\n')[0]).toBe('_Mon, 5 Jan 2026, 09:00 CET → Tue, 6 Jan 2026, 09:00 CET (Europe/Berlin)_');
    expect(section('Summary')).toBe(
      [
        '**Summary**',
        '- **Requests:** 9 filed · decisions: 1 approved, 4 auto-approved, 1 break-glass, 1 denied, 1 cancelled, 1 expired unanswered',
        '- **Access:** 6 grants held access (1 from before this period): 4 ended at expiry, 1 revoked early, 1 still active; 1 grant failed',
        '- **Attention:** 1 break-glass activation to review, 2 late revokes, 2 alerts',
      ].join('\n'),
    );
  });

  it('says who had what, when, why, who approved and how it ended', () => {
    const who = section('Who had access');
    expect(line(story.refs.approved, who)).toBe(
      `- **${story.refs.approved}** alice@example.com: readonly on orders-db · 5 Jan, 09:10 → 09:40 (30m) · approved by bob@example.com · expired · why: “checking INC-123”`,
    );
    expect(line(story.refs.early, who)).toBe(
      `- **${story.refs.early}** bob@example.com: readonly on orders-db · 5 Jan, 10:00 → 10:05 (5m) · auto-approved · revoked early by carol@example.com (“done”) · why: “peek at a row”`,
    );
    expect(line(story.refs.open, who)).toContain('6 Jan, 08:50 → still active (until 09:05)');
    // Failed, denied, cancelled and lapsed requests never gave access, so they are not in this list.
    for (const ref of [story.refs.failed, story.refs.denied, story.refs.cancelled, story.refs.lapsed]) expect(who).not.toContain(`**${ref}**`);
  });

  it('includes access granted before the window that was still held when it opened', async () => {
    expect(line(story.refs.carried, section('Who had access'))).toBe(
      `- **${story.refs.carried}** carol@example.com: writer on orders-db · 5 Jan, 07:00 → 11:00 (4h) · approved by bob@example.com, dave@example.com · expired · why: “migrate orders table”, ticket INC-1`,
    );
    // …and that holds when only a short slice of its life is in the window, with no event of its own there.
    const slice = await buildDigest(h.store, { since: SINCE + 15 * M, until: SINCE + 20 * M, timezone: TZ });
    expect(slice.grants.items.map((g) => [g.ref, g.outcome, g.carried])).toEqual([
      [story.refs.carried, 'active', true],
      [story.refs.approved, 'active', true],
    ]);
  });

  it('finds earlier access through the request index when the look-back pass does not reach it', async () => {
    const late = await buildDigest(h.store, { since: SINCE + 30 * M, until: UNTIL, timezone: TZ, lookbackMs: M });
    const carried = late.grants.items.filter((g) => g.carried);
    expect(carried.map((g) => [g.ref, g.requester, g.approvers, g.reason, g.outcome])).toEqual([
      [story.refs.carried, 'carol@example.com', ['bob@example.com', 'dave@example.com'], 'migrate orders table', 'expired'],
      [story.refs.approved, 'alice@example.com', ['bob@example.com'], 'checking INC-123', 'expired'],
    ]);
    // Their earlier history is context, not activity in this window.
    expect(late.totals.requests.filed).toBe(digest.totals.requests.filed - 1);
    expect(late.totals.requests.approved).toBe(0);
  });

  it('flags break-glass for review and calls out revokes that ended access late', () => {
    expect(section('Needs review: break-glass activations')).toBe(
      `**Needs review: break-glass activations**\n- **${story.refs.breakGlass}** dave@example.com: breakglass on orders-db · activated 5 Jan, 11:00 · expired, ended 42s late · why: “prod down”`,
    );
    expect(line(story.refs.breakGlass, section('Who had access'))).toContain('**break-glass** (no approval)');
    const late = section('Late revokes (more than 5 s after expiry)');
    expect(line(story.refs.breakGlass, late)).toBe(`- **${story.refs.breakGlass}** dave@example.com: breakglass on orders-db · expiry 5 Jan, 12:00 · access ended 42s late`);
    expect(line(story.refs.stuck, late)).toContain('access ended 2m late');
    // A revoke on time is not called out.
    expect(late).not.toContain(story.refs.approved);
  });

  it('lists denials with who denied and why, and raises the alerts', () => {
    expect(section('Denied requests')).toBe(
      `**Denied requests**\n- **${story.refs.denied}** bob@example.com: writer on orders-db · denied by carol@example.com 5 Jan, 13:00: “not during the sale” · asked for “schema change”`,
    );
    const alerts = section('Alerts').split('\n').slice(1);
    expect(alerts).toEqual([
      `- Grant failed 5 Jan, 15:00 · **${story.refs.failed}** alice@example.com readonly on orders-db · granting failed after 1 attempt(s): grant failed on purpose`,
      `- Revoke failed 5 Jan, 16:15 · **${story.refs.stuck}** carol@example.com readonly on orders-db · revoke failed (revoke failed on purpose); revoked at 5 Jan, 16:17 after 3 attempts`,
    ]);
  });

  it('anchors the audit chain at the end of the window with the hash `audit verify` walks to', async () => {
    const verified = await verifyAuditChain(h.store);
    if (!verified.ok) throw new Error('chain broken');
    // Nothing was logged after the story's last event, so the head before `until` is the log's head.
    expect(digest.head?.hash).toBe(verified.headHash);
    expect(section('Audit log anchor')).toContain(`#${digest.head!.seq} at 6 Jan, 08:50, sha256 \`${verified.headHash}\``);
    // An earlier `until` anchors an earlier row.
    const earlier = await buildDigest(h.store, { since: SINCE, until: SINCE + 30 * M, timezone: TZ });
    expect(earlier.head!.seq).toBeLessThan(digest.head!.seq);
    expect(earlier.head!.at).toBeLessThan(SINCE + 30 * M);
  });

  it('prints the same content for a terminal, and the data as JSON with ISO times', () => {
    expect(text.split('\n').slice(0, 2)).toEqual(['Access digest 2026-01-06', 'Mon, 5 Jan 2026, 09:00 CET → Tue, 6 Jan 2026, 09:00 CET (Europe/Berlin)']);
    expect(text).toContain(`  - ${story.refs.approved} alice@example.com: readonly on orders-db · 5 Jan, 09:10 → 09:40 (30m) · approved by bob@example.com · expired`);
    expect(text).toContain('NEEDS REVIEW: BREAK-GLASS ACTIVATIONS');
    expect(text).not.toContain('**');
    const json = JSON.parse(formatDigest(digest, 'json')) as { since: string; totals: Digest['totals']; grants: { items: { ref: string; startedAt: string }[] } };
    expect(json.since).toBe('2026-01-05T08:00:00.000Z');
    expect(json.totals).toEqual(digest.totals);
    expect(json.grants.items.find((g) => g.ref === story.refs.approved)?.startedAt).toBe('2026-01-05T08:10:00.000Z');
  });

  it('says so when nothing happened', async () => {
    const quiet = await buildDigest(h.store, { since: SINCE - 10 * H, until: SINCE - 9 * H, timezone: TZ });
    expect(quiet.totals.events).toBe(0);
    expect(formatDigest(quiet, 'markdown')).toContain('**Summary**\nNo access activity in this period.');
  });

  it('raises an overdue alert for access still held well past its expiry', async () => {
    // Nobody ran the expiry sweep after the story: by 11:00 bob's grant (until 09:05) is long past its end.
    const later = await buildDigest(h.store, { since: UNTIL + H, until: UNTIL + 2 * H, timezone: TZ });
    expect(later.totals.events).toBe(0);
    expect(later.grants.items.map((g) => g.ref)).toEqual([story.refs.open]);
    expect(formatDigest(later, 'markdown')).toContain(
      `- Revoke overdue 6 Jan, 11:00 · **${story.refs.open}** bob@example.com readonly on orders-db · still active 1h55m after its expiry; no revoke was started`,
    );
  });
});

describe('extensions', () => {
  let h: Harness | undefined;
  afterEach(async () => h?.close());

  it('show on the grant they extended, even one granted before the window, and a denied extension is listed', async () => {
    h = createHarness();
    h.clock.set(SINCE - 30 * M);
    const { view } = await requestAccess(h.ctx, { roleName: 'writer', requester: alice, durationMs: H, reason: 'hotfix', ticket: 'INC-7', origin: 'test' });
    await review(h.ctx, { requestId: view.id, reviewer: bob, decision: 'approve' });
    await review(h.ctx, { requestId: view.id, reviewer: carol, decision: 'approve' });
    await h.worker.idle();
    h.clock.set(SINCE + 10 * M);
    const denied = (await requestExtension(h.ctx, { requestId: view.id, actor: alice, durationMs: H, reason: 'one more hour', origin: 'test' })).view;
    await review(h.ctx, { requestId: denied.id, reviewer: carol, decision: 'deny', note: 'wrap it up' });
    h.clock.set(SINCE + 20 * M);
    const approved = (await requestExtension(h.ctx, { requestId: view.id, actor: alice, durationMs: 30 * M, origin: 'test' })).view;
    await review(h.ctx, { requestId: approved.id, reviewer: bob, decision: 'approve' });
    await review(h.ctx, { requestId: approved.id, reviewer: carol, decision: 'approve' });
    await h.worker.idle();

    // A one-minute look-back cannot see the grant: the extension request leads to it.
    const digest = await buildDigest(h.store, { since: SINCE, until: UNTIL, timezone: TZ, lookbackMs: M });
    const markdown = formatDigest(digest, 'markdown');
    expect(digest.totals.requests).toMatchObject({ filed: 0, extensions: 2, approved: 0, denied: 1 });
    expect(digest.totals.grants).toMatchObject({ held: 1, carried: 1, extended: 1, stillActive: 1 });
    expect(markdown).toContain(
      `- **AR-${view.id}** alice@example.com: writer on orders-db · 5 Jan, 08:30 → still active (until 10:00) · approved by bob@example.com, carol@example.com · extended 1× · why: “hotfix”, ticket INC-7`,
    );
    expect(markdown).toContain(
      `- **AR-${denied.id}** alice@example.com: extension of writer on orders-db · denied by carol@example.com 5 Jan, 09:10: “wrap it up” · asked for “one more hour”`,
    );
  });
});

describe('long lists', () => {
  let h: Harness | undefined;
  afterEach(async () => h?.close());

  it('are cut so each chat section stays under Slack’s 3,000 characters, saying how many more and where', async () => {
    const grant = (i: number): DigestGrant => ({
      ref: `AR-${i}`,
      grantId: `g${i}`,
      requester: `someone-with-a-long-name-${i}@example.com`,
      role: 'readonly',
      resource: 'orders-db',
      reason: 'x'.repeat(300),
      ticket: 'INC-1',
      approval: 'approved',
      approvers: ['bob@example.com', 'carol@example.com'],
      createdAt: SINCE + i * M,
      startedAt: SINCE + i * M,
      endedAt: SINCE + i * M + 30 * M,
      expiresAt: SINCE + i * M + 30 * M,
      extensions: 0,
      outcome: 'expired',
      revokedBy: null,
      revokeNote: null,
      revokeRequestedAt: SINCE + i * M + 30 * M,
      lateMs: 0,
      revokeFailures: 0,
      lastError: null,
      carried: false,
    });
    const items = Array.from({ length: 200 }, (_, i) => grant(i + 1));
    h = createHarness();
    const empty = await buildDigest(h.store, { since: SINCE, until: UNTIL, timezone: TZ });
    const digest: Digest = { ...empty, grants: { items, total: 250 }, totals: { ...empty.totals, events: 1500 } };
    const markdown = formatDigest(digest, 'markdown');
    const who = markdown.split('\n\n').find((b) => b.startsWith('**Who had access**'))!;
    expect(who.length).toBeLessThanOrEqual(SECTION_BUDGET);
    const shown = who.split('\n').filter((l) => l.startsWith('- **AR-')).length;
    expect(shown).toBeGreaterThan(5);
    expect(who.split('\n').at(-1)).toBe(`- …and ${250 - shown} more (see \`accessbot audit export --since 2026-01-05T08:00:00Z\`)`);
    // The reason is shortened to keep each line short.
    expect(who).toContain(`why: “${'x'.repeat(79)}…”`);
    // The terminal shows exactly the same cut.
    const text = formatDigest(digest, 'text');
    expect(text).toContain(`  - …and ${250 - shown} more (see accessbot audit export --since 2026-01-05T08:00:00Z)`);
  });
});
