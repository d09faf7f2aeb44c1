/**
 * The workspace the whole-bot benchmarks run against: requesters, one approver, and a policy file whose role
 * needs one approval (so every filing posts an approval card) on a webhook target.
 */
import type { EmulatedUser } from '../../playground/slack-emulator/index.ts';

export const APPROVALS = 'C0APPROVALS';
export const APPROVER: EmulatedUser = { id: 'U0APPROVER', name: 'approver', email: 'approver@example.com' };
export const CHANNELS = [
  { id: APPROVALS, name: 'access-approvals' },
  { id: 'C0AUDIT', name: 'access-audit' },
  { id: 'C0GENERAL', name: 'general' },
];
export const HOOK_SECRET = 'bench-hook-secret-0123456789abcdef';

export const usersFor = (count: number, prefix = 'U0B'): EmulatedUser[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}${String(i).padStart(6, '0')}`, name: `bench${i}`, email: `bench${i}@example.com` }));

/** The policy: role `reviewed` (one approval, on a webhook at `hookUrl`) for every user given. */
export function policyYaml(users: readonly EmulatedUser[], hookUrl = 'http://127.0.0.1:9/access'): string {
  return `version: 1
channels:
  approvals: { slack: ${APPROVALS} }
  audit: { slack: C0AUDIT }
groups:
  benchers: [${users.map((u) => u.email).join(', ')}]
resources:
  hook: { provider: webhook, url: "${hookUrl}", secret: env:BENCH_HOOK_SECRET }
roles:
  reviewed:
    description: Needs one approval, so every request posts a card
    resource: hook
    requesters: [group:benchers]
    approvers: [${APPROVER.email}]
    max_duration: 2h
`;
}
