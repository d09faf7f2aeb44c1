/** A small emulated workspace shared by Slack tests. */
import type { EmulatorOptions } from '../../playground/slack-emulator/index.ts';

export const ALICE = { id: 'U0ALICE', name: 'alice', email: 'alice@example.com', realName: 'Alice Archer' };
export const BOB = { id: 'U0BOB', name: 'bob', email: 'bob@example.com', realName: 'Bob Baker' };
export const CAROL = { id: 'U0CAROL', name: 'carol', email: 'carol@example.com', realName: 'Carol Cole' };
export const APPROVALS_CHANNEL = { id: 'C0APPROVALS', name: 'access-approvals' };
export const AUDIT_CHANNEL = { id: 'C0AUDIT', name: 'access-audit' };

export function testWorkspace(overrides: EmulatorOptions = {}): EmulatorOptions {
  return {
    users: [ALICE, BOB, CAROL],
    channels: [APPROVALS_CHANNEL, AUDIT_CHANNEL, { id: 'C0GENERAL', name: 'general' }, { id: 'C0LOCKED', name: 'locked', botIsMember: false }],
    usergroups: [{ id: 'S0SRE', handle: 'sre', users: [BOB.id, CAROL.id] }],
    ...overrides,
  };
}
