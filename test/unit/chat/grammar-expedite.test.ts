/** `access expedite AR-42 [reason…]` in the shared grammar (Slack slash command and Teams chat alike). */
import { describe, expect, it } from 'vitest';
import { describeProblem, parseAccess, parseMessage, plainText } from '../../../src/chat/index.ts';

describe('access expedite', () => {
  it('takes a request id and an optional reason', () => {
    expect(parseAccess('expedite AR-42 checkout is down')).toEqual({ kind: 'expedite', requestId: 42, reason: 'checkout is down' });
    expect(parseAccess('EXPEDITE ar-7')).toEqual({ kind: 'expedite', requestId: 7, reason: null });
    expect(parseMessage('access expedite 9 now')).toEqual({ command: 'access', parsed: { kind: 'expedite', requestId: 9, reason: 'now' } });
  });

  it('says which request it needs, with an example', () => {
    const missing = parseAccess('expedite');
    expect(missing).toEqual({ kind: 'invalid', problem: { code: 'request_missing', verb: 'expedite' } });
    const notRef = parseAccess('expedite soon');
    expect(notRef).toEqual({ kind: 'invalid', problem: { code: 'not_a_request', word: 'soon', verb: 'expedite' } });
    if (missing.kind === 'invalid') expect(plainText(describeProblem(missing.problem, { commandPrefix: '/', platform: 'slack', platformName: 'Slack', personalView: 'App Home' }))).toContain('/access expedite AR-42');
  });
});
