import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { codePoints, escapeAndTruncate, escapeSlackText, mentionPerson, slackDate, toMrkdwn, truncate } from '../../../adapters/slack/render/index.ts';
import { actor, memberAsPerson } from '../../../src/chat/describe.ts';
import { formatInZone, mention, relativeTo } from '../../../src/chat/index.ts';

const memberLabel = (member: string): string => toMrkdwn([mention(memberAsPerson(member))]);
const actorLabel = (who: string): string => toMrkdwn(actor(who));

describe('escapeSlackText', () => {
  it('neutralises channel pings, mentions and forged links', () => {
    expect(escapeSlackText('<!channel> look')).toBe('&lt;!channel&gt; look');
    expect(escapeSlackText('ping <@U0BOB> and <!subteam^S1>')).toBe('ping &lt;@U0BOB&gt; and &lt;!subteam^S1&gt;');
    expect(escapeSlackText('<http://evil.example|the runbook>')).toBe('&lt;http://evil.example|the runbook&gt;');
    expect(escapeSlackText('a & b')).toBe('a &amp; b');
  });

  it('breaks @here/@channel/@everyone so they never notify', () => {
    const out = escapeSlackText('hey @here and @Channel, @everyone');
    expect(out).not.toMatch(/@(here|channel|everyone)/i);
    expect(out.replace(/\u200B/g, '')).toBe('hey @here and @Channel, @everyone');
    expect(escapeSlackText('mail me at ops@hereford.example')).toBe('mail me at ops@hereford.example');
  });

  it('keeps formatting people are allowed to use', () => {
    expect(escapeSlackText('*bold* _it_ `code` ~strike~')).toBe('*bold* _it_ `code` ~strike~');
  });

  it('never leaves an unescaped < or > or a bare &, for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const out = escapeSlackText(s);
        expect(out).not.toMatch(/[<>]/);
        expect(out).not.toMatch(/&(?!amp;|lt;|gt;)/);
      }),
    );
  });
});

describe('truncate', () => {
  it('leaves short strings alone and cuts long ones with … to exactly max code points', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
    expect(codePoints(truncate('x'.repeat(5000), 3000))).toBe(3000);
  });

  it('counts code points and never splits a surrogate pair', () => {
    const emoji = '🔑'.repeat(10);
    expect(emoji.length).toBe(20);
    expect(truncate(emoji, 10)).toBe(emoji);
    expect(truncate(emoji, 5)).toBe('🔑🔑🔑🔑…');
  });

  it('escapeAndTruncate never ends in half an entity and stays within max', () => {
    expect(escapeAndTruncate('ab<cd', 5)).toBe('ab…');
    expect(escapeAndTruncate('ab<cd', 7)).toBe('ab&lt;…');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 1, max: 120 }), (s, max) => {
        const out = escapeAndTruncate(s, max);
        expect(codePoints(out)).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/&(?!amp;|lt;|gt;)/);
        expect(out).not.toMatch(/[<>]/);
      }),
    );
  });
});

describe('people', () => {
  it('mentions a known Slack id, else shows the escaped name or email', () => {
    expect(mentionPerson({ slackId: 'U0ALICE', email: 'a@x' })).toBe('<@U0ALICE>');
    expect(mentionPerson({ email: 'a@x', name: '<!here>' })).toBe('&lt;!here&gt;');
    expect(mentionPerson({ slackId: '<!channel>', email: 'a@x' })).toBe('a@x');
  });

  it('labels members and actors', () => {
    expect(memberLabel('slack:U0BOB')).toBe('<@U0BOB>');
    expect(memberLabel('carol@example.com')).toBe('carol@example.com');
    expect(memberLabel('teams:abc-123')).toBe('a Teams user');
    expect(actorLabel('cli:ops')).toBe('ops (command line)');
    expect(actorLabel('system')).toBe('accessbot');
    expect(actorLabel('slack:U0BOB')).toBe('<@U0BOB>');
  });
});

describe('time', () => {
  const t = Date.UTC(2026, 0, 5, 9, 0, 0);
  it('writes a Slack date token with a fallback in the policy timezone', () => {
    expect(slackDate(t, 'Europe/Berlin')).toBe(`<!date^${t / 1000}^{date_short_pretty} {time}|Mon, 5 Jan 2026, 10:00 CET>`);
    expect(formatInZone(t, 'America/New_York')).toBe('Mon, 5 Jan 2026, 04:00 GMT-5');
  });

  it('falls back to UTC for an unknown timezone', () => {
    expect(formatInZone(t, 'Mars/Olympus')).toBe('Mon, 5 Jan 2026, 09:00 UTC');
  });

  it('says how far away an instant is', () => {
    expect(relativeTo(t + 25 * 60_000, t)).toBe('in 25m');
    expect(relativeTo(t - 3 * 3_600_000, t)).toBe('3h ago');
  });
});
