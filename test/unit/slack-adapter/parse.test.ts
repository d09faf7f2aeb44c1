/** The command grammar as a Slack user meets it: slash-command text in, problems phrased in mrkdwn out. */
import { describe, expect, it } from 'vitest';
import { describeProblem, parseAccess as parseAccessWords, parseRequestAccess as parseRequestAccessWords, type AccessCommand, type RequestAccessCommand } from '../../../src/chat/index.ts';
import { unescapeCommandText } from '../../../adapters/slack/commands/words.ts';
import { SLACK_DIALECT } from '../../../adapters/slack/dialect.ts';
import { toMrkdwn } from '../../../adapters/slack/render/index.ts';

type AsSlackShowsIt<T> = Exclude<T, { kind: 'invalid' }> | { kind: 'invalid'; problem: string };

function asSlackShowsIt<T extends RequestAccessCommand | AccessCommand>(parsed: T): AsSlackShowsIt<T> {
  return (parsed.kind === 'invalid' ? { kind: 'invalid', problem: toMrkdwn(describeProblem(parsed.problem, SLACK_DIALECT)) } : parsed) as AsSlackShowsIt<T>;
}

const parseRequestAccess = (text: string) => asSlackShowsIt(parseRequestAccessWords(unescapeCommandText(text)));
const parseAccess = (text: string) => asSlackShowsIt(parseAccessWords(unescapeCommandText(text)));

const M = 60_000;

describe('/request-access words', () => {
  it('no words opens the form; a role alone opens it with the role chosen', () => {
    expect(parseRequestAccess('')).toEqual({ kind: 'open_form', role: null });
    expect(parseRequestAccess('   ')).toEqual({ kind: 'open_form', role: null });
    expect(parseRequestAccess('readonly')).toEqual({ kind: 'open_form', role: 'readonly' });
  });

  it('help in its usual spellings', () => {
    for (const text of ['help', 'HELP', '--help', '-h', '?']) expect(parseRequestAccess(text)).toEqual({ kind: 'help' });
  });

  it('files ROLE DURATION REASON…', () => {
    expect(parseRequestAccess('readonly 30m checking INC-123')).toEqual({
      kind: 'file',
      role: 'readonly',
      durationMs: 30 * M,
      reason: 'checking INC-123',
      ticket: null,
      breakGlass: false,
    });
    expect(parseRequestAccess('readonly 1h30m  two   spaces')).toMatchObject({ durationMs: 90 * M, reason: 'two spaces' });
  });

  it('takes flags anywhere after the role', () => {
    const expected = { kind: 'file', role: 'writer', durationMs: 2 * 60 * M, reason: 'hot fix', ticket: 'INC-7', breakGlass: true };
    expect(parseRequestAccess('writer --ticket INC-7 2h hot fix --break-glass')).toEqual(expected);
    expect(parseRequestAccess('writer 2h --break-glass hot --ticket=INC-7 fix')).toEqual(expected);
    expect(parseRequestAccess('writer 2h hot fix --ticket INC-7 --break-glass')).toEqual(expected);
  });

  it('reads the em dash macOS makes of "--"', () => {
    expect(parseRequestAccess('writer 2h hot fix \u2014ticket INC-7')).toMatchObject({ kind: 'file', ticket: 'INC-7' });
  });

  it('unescapes what Slack escapes in command text', () => {
    expect(parseRequestAccess('readonly 30m a &lt;b&gt; &amp; c')).toMatchObject({ reason: 'a <b> & c' });
  });

  it('says a zero duration is no time at all', () => {
    expect(parseRequestAccess('readonly 0m why')).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/^"0m" is no time at all: give a length above zero/) });
    expect(parseAccess('extend AR-1 0h0m')).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/^"0h0m" is no time at all/) });
    expect(parseRequestAccess('readonly 3x why')).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/^"3x" is not a duration/) });
    expect(parseRequestAccess('readonly 1h1h why')).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/^"1h1h" is not a duration/) });
  });

  it('quotes a bad word back escaped, so it cannot become a link, a mention or @channel in the answer', () => {
    const bad = parseRequestAccess('&lt;https://evil.example|docs&gt;');
    expect(bad).toMatchObject({ kind: 'invalid', problem: expect.stringContaining('"&lt;https://evil.example|docs&gt;" is not a role name') });
    const verb = parseAccess('&lt;!channel&gt; @here');
    expect(verb).toMatchObject({ kind: 'invalid', problem: expect.stringContaining("I don't know \"&lt;!channel&gt;\"") });
    expect(JSON.stringify(parseAccess('revoke &lt;@U0BOB&gt;'))).not.toContain('<@U0BOB>');
    expect(JSON.stringify(parseRequestAccess('readonly 30m why --&lt;!here&gt;'))).not.toContain('<!here>');
  });

  it('keeps a very long reason whole (rendering cuts it, not the parser)', () => {
    const reason = 'x'.repeat(5000);
    expect(parseRequestAccess(`readonly 30m ${reason}`)).toMatchObject({ kind: 'file', reason });
  });

  it.each([
    ['--ticket X readonly 30m why', /Put the role first/],
    ['readonly 30x checking', /"30x" is not a duration: try 30m, 2h, 1h30m, 1d/],
    ['readonly checking things', /"checking" is not a duration/],
    ['readonly 30m', /Say why you need access after the duration, e\.g\. `\/request-access readonly 30m checking INC-123`/],
    ['readonly --ticket', /`--ticket` needs the ticket id/],
    ['readonly 30m why --ticket --break-glass', /`--ticket` needs the ticket id/],
    ['readonly 30m why --ticket A --ticket B', /only once/],
    ['readonly 30m why --urgent', /Unknown option "--urgent"/],
    ['readonly 30m why --break-glass=yes', /takes no value/],
    ['read*only 30m why', /is not a role name/],
    ['readonly --break-glass', /Say how long you need it/],
  ])('%s → a specific answer', (text, problem) => {
    const parsed = parseRequestAccess(text);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.problem).toMatch(problem);
  });
});

describe('/access words', () => {
  it('lists, helps and shows what awaits review', () => {
    expect(parseAccess('')).toEqual({ kind: 'list' });
    expect(parseAccess('list')).toEqual({ kind: 'list' });
    expect(parseAccess('help')).toEqual({ kind: 'help' });
    expect(parseAccess('pending')).toEqual({ kind: 'pending' });
  });

  it('revoke, cancel and extend take a request id in any usual spelling', () => {
    expect(parseAccess('revoke AR-42')).toEqual({ kind: 'revoke', requestId: 42, reason: null });
    expect(parseAccess('revoke ar-42 done early')).toEqual({ kind: 'revoke', requestId: 42, reason: 'done early' });
    expect(parseAccess('cancel 42')).toEqual({ kind: 'cancel', requestId: 42 });
    expect(parseAccess('EXTEND AR-42 30m need more')).toEqual({ kind: 'extend', requestId: 42, durationMs: 30 * M, reason: 'need more' });
    expect(parseAccess('extend AR-42 30m')).toEqual({ kind: 'extend', requestId: 42, durationMs: 30 * M, reason: null });
  });

  it.each([
    ['grant AR-1', /I don't know "grant"/],
    ['revoke', /Say which request, e\.g\. `\/access revoke AR-42`/],
    ['cancel AR-x', /"AR-x" is not a request id/],
    ['cancel AR-0', /is not a request id/],
    ['cancel AR-4 now', /takes only the request id/],
    ['extend AR-4', /Say how long you need it, e\.g\. `\/access extend AR-4 30m`/],
    ['extend AR-4 soon', /"soon" is not a duration/],
    ['pending now', /takes nothing after it/],
  ])('%s → a specific answer', (text, problem) => {
    const parsed = parseAccess(text);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.problem).toMatch(problem);
  });
});
