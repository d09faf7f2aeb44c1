import { describe, expect, it } from 'vitest';
import { AccessError } from '../../../src/domain/errors.ts';
import { canTransition, checkExtend, checkRevoke, isTerminalGrant } from '../../../src/domain/grant-rules.ts';
import { alice, bob, mallory, role } from '../../support/policy-fixture.ts';

const H = 3_600_000;
const readonly = role('readonly');
const grant = { status: 'active' as const, startsAt: 0, expiresAt: H };
const active = { ref: 'AR-1', roleName: 'readonly', holder: alice, requestStatus: 'approved' as const, grant };
const pending = { ...active, requestStatus: 'pending' as const, grant: null };

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return (e as AccessError).code;
  }
};

describe('grant state machine', () => {
  it('follows granting → active → revoking → revoked, with failed only from granting', () => {
    expect(canTransition('granting', 'active')).toBe(true);
    expect(canTransition('active', 'revoking')).toBe(true);
    expect(canTransition('revoking', 'revoked')).toBe(true);
    expect(canTransition('granting', 'failed')).toBe(true);
    expect(canTransition('active', 'failed')).toBe(false);
    expect(canTransition('revoking', 'active')).toBe(false);
    expect(canTransition('revoked', 'active')).toBe(false);
    expect(isTerminalGrant('revoked') && isTerminalGrant('failed')).toBe(true);
  });
});

describe('early revoke', () => {
  it('holder, approver or admin; others are refused before state is looked at', () => {
    expect(code(() => checkRevoke(readonly, active, alice))).toBe('ok');
    expect(code(() => checkRevoke(readonly, active, bob))).toBe('ok');
    expect(code(() => checkRevoke(readonly, active, 'admin'))).toBe('ok');
    expect(code(() => checkRevoke(readonly, { ...active, grant: { ...grant, status: 'revoked' } }, mallory))).toBe('not_allowed');
    expect(code(() => checkRevoke(readonly, { ...active, grant: { ...grant, status: 'revoked' } }, alice))).toBe('not_active');
  });

  it('says nothing about a request without a grant to someone who may not act on it', () => {
    expect(() => checkRevoke(readonly, pending, mallory)).toThrow('Only the holder of this access or an approver of its role can revoke it.');
    expect(() => checkRevoke(undefined, pending, bob)).toThrow('Only the holder of this access or an approver of its role can revoke it.');
    expect(() => checkRevoke(readonly, pending, bob)).toThrow('AR-1 has no access to revoke (it is pending).');
    expect(() => checkRevoke(undefined, pending, alice)).toThrow('AR-1 has no access to revoke (it is pending).');
  });
});

describe('extension', () => {
  it('stays within the role maximum, counted from the start', () => {
    expect(checkExtend(readonly, active, alice, H, 10)).toEqual({ role: readonly, grant, expiresAt: 2 * H });
    expect(code(() => checkExtend(readonly, active, alice, 3 * H + 1, 10))).toBe('extend_too_long');
    expect(() => checkExtend(readonly, active, alice, 4 * H, 10)).toThrow(/at most 3h/);
  });
  it('only by the holder, only while active', () => {
    expect(code(() => checkExtend(readonly, active, bob, H, 10))).toBe('not_allowed');
    expect(code(() => checkExtend(readonly, active, alice, H, H + 1))).toBe('not_active');
  });
  it('tells someone else nothing: not whether it was granted, nor that its role is gone', () => {
    expect(() => checkExtend(readonly, pending, mallory, H, 10)).toThrow('Only the holder of this access can ask to extend it.');
    expect(() => checkExtend(undefined, active, mallory, H, 10)).toThrow('Only the holder of this access can ask to extend it.');
    expect(() => checkExtend(readonly, pending, alice, H, 10)).toThrow('AR-1 has no access to extend.');
    expect(() => checkExtend(undefined, active, alice, H, 10)).toThrow('The role "readonly" is no longer in the policy.');
  });
});
