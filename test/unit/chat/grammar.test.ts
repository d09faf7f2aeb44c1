/**
 * The command grammar and refusals, platform-free: problems come back as codes with the words they are about,
 * and are phrased for the platform (here a chat where commands are typed without a slash); the core's
 * refusals carry hints phrased for where the person acted.
 */
import { describe, expect, it } from 'vitest';
import { describeProblem, parseAccess, parseMessage, parseRequestAccess, plainText, refusalOf, type ChatDialect, type RefusalContext } from '../../../src/chat/index.ts';
import { AccessError } from '../../../src/domain/errors.ts';
import { testPolicy } from '../../support/policy-fixture.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

const TEAMS: ChatDialect = { platform: 'teams', platformName: 'Teams', commandPrefix: '', personalView: 'personal tab' };
const M = 60_000;

describe('the grammar', () => {
  it('returns what was wrong as a code with the words it is about', () => {
    expect(parseRequestAccess('readonly 30x why')).toEqual({ kind: 'invalid', problem: { code: 'not_a_duration', word: '30x', example: 'request-access readonly 30m checking INC-123' } });
    expect(parseRequestAccess('readonly 30m')).toEqual({ kind: 'invalid', problem: { code: 'reason_missing', role: 'readonly', duration: '30m' } });
    expect(parseAccess('extend AR-4 0m')).toEqual({ kind: 'invalid', problem: { code: 'duration_zero', word: '0m', example: 'access extend AR-4 30m' } });
    expect(parseAccess('cancel x')).toEqual({ kind: 'invalid', problem: { code: 'not_a_request', word: 'x', verb: 'cancel' } });
  });

  it('reads whole messages typed to the bot, with or without a leading slash', () => {
    expect(parseMessage('request-access readonly 30m checking --ticket INC-1')).toEqual({
      command: 'request-access',
      parsed: { kind: 'file', role: 'readonly', durationMs: 30 * M, reason: 'checking', ticket: 'INC-1', breakGlass: false },
    });
    expect(parseMessage('  /ACCESS   extend AR-42 1h  ')).toEqual({ command: 'access', parsed: { kind: 'extend', requestId: 42, durationMs: 60 * M, reason: null } });
    expect(parseMessage('access')).toEqual({ command: 'access', parsed: { kind: 'list' } });
    expect(parseMessage('help')).toEqual({ command: 'help' });
    expect(parseMessage('')).toEqual({ command: 'help' });
    expect(parseMessage('hello there')).toEqual({ kind: 'invalid', problem: { code: 'unknown_command', word: 'hello' } });
  });

  it('phrases problems with the platform\'s command words, quoting what was typed as typed', () => {
    const say = (parsed: ReturnType<typeof parseAccess>) => (parsed.kind === 'invalid' ? plainText(describeProblem(parsed.problem, TEAMS)) : null);
    expect(say(parseAccess('revoke'))).toBe('Say which request, e.g. access revoke AR-42 (see access for yours).');
    expect(say(parseAccess('<!channel>'))).toBe("I don't know \"<!channel>\". Usage: access, access pending, access revoke AR-42, access cancel AR-42, access extend AR-42 30m.");
    const unknown = parseMessage('hi');
    expect('kind' in unknown && unknown.kind === 'invalid' && plainText(describeProblem(unknown.problem, TEAMS))).toBe("I don't know \"hi\". Try request-access help or access help.");
  });
});

describe('refusals', () => {
  const ctx = (overrides: Partial<RefusalContext> = {}): RefusalContext => ({ dialect: TEAMS, policy: testPolicy(), person: { teamsId: 'aad-1', name: 'Mallory' }, userId: 'aad-1', surface: 'command', ...overrides });
  const say = (error: AccessError, overrides: Partial<RefusalContext> = {}) => plainText(refusalOf(error, ctx(overrides)));

  it('the core says what is wrong in plain words; the hint is phrased for a command or for a form', () => {
    const ticket = new AccessError('ticket_required', '"writer" needs a ticket.', { kind: 'add_ticket', role: 'writer' });
    expect(ticket.userMessage).not.toMatch(/--ticket|\//);
    expect(say(ticket)).toBe('"writer" needs a ticket: add --ticket ID.');
    expect(say(ticket, { surface: 'form' })).toBe('"writer" needs a ticket: enter its id here.');
    const held = new AccessError('already_decided', 'You already have "readonly" (AR-3).', { kind: 'extend_instead', role: 'readonly', requestId: asRequestId(3) });
    expect(say(held)).toBe('You already have "readonly" (AR-3); extend it with access extend AR-3 DURATION.');
    const own = new AccessError('self_approval', 'This is your own request, so you cannot deny it.', { kind: 'cancel_instead' });
    expect(say(own, { requestId: asRequestId(9) })).toBe('This is your own request, so you cannot deny it. To withdraw it, use Cancel request in my DM about it, or access cancel AR-9.');
    expect(say(new AccessError('not_active', 'AR-1 has ended, so it cannot be extended.', { kind: 'new_request' }))).toBe('AR-1 has ended, so it cannot be extended. Ask for new access with request-access.');
  });

  it('too many open requests: names the command that withdraws one, in the platform\'s words', () => {
    const open = new AccessError('too_many_open', 'You already have 5 requests waiting for approval, the most accessbot takes from one person at once. Wait for a decision or withdraw one (your newest is AR-12).', { kind: 'cancel_open', requestId: asRequestId(12) });
    const words = 'You already have 5 requests waiting for approval, the most accessbot takes from one person at once. Wait for a decision or withdraw one (your newest is AR-12).';
    expect(say(open)).toBe(`${words} Withdraw one with access cancel AR-12 or see them all with access.`);
    expect(say(open, { dialect: { platform: 'slack', platformName: 'Slack', commandPrefix: '/', personalView: 'App Home' } })).toBe(`${words} Withdraw one with /access cancel AR-12 or see them all with /access.`);
  });

  it('tells someone the policy does not know who they are on this platform, for an admin', () => {
    expect(say(new AccessError('not_approver', 'You are not an approver for "readonly".'))).toBe(
      'You are not an approver for "readonly". If you should be allowed, ask your accessbot admin to add you to the policy (your Teams id is aad-1; accessbot has no email for you that it can trust, so the policy must name you as teams:aad-1).',
    );
    expect(say(new AccessError('not_requester', 'You are not allowed to request "readonly". Ask an admin to add you to its requesters.'), { person: { email: 'm@example.com' } })).toBe(
      'You are not allowed to request "readonly". Ask an admin to add you to its requesters. Tell them your Teams id is aad-1, email m@example.com.',
    );
    expect(say(new AccessError('not_found', 'There is no request AR-9.'))).toBe('There is no request AR-9.');
  });
});
