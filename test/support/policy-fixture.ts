/** A resolved policy built in code, so core tests do not depend on the YAML loader. */
import type { Policy, RoleDef } from '../../src/domain/policy.ts';

const H = 3_600_000;
const M = 60_000;

/** The hash a policy built in code carries (the loader computes a file's sha256; code-built policies have no file). */
export const TEST_POLICY_HASH = 'test-policy';

export function role(name: string, overrides: Partial<RoleDef> = {}): RoleDef {
  return {
    name,
    resource: 'orders-db',
    grant: { roles: ['pg_read_all_data'] },
    requesters: new Set(['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com']),
    approvers: new Set(['bob@example.com', 'carol@example.com', 'dave@example.com']),
    approvalsRequired: 1,
    defaultDurationMs: H,
    maxDurationMs: 4 * H,
    requestTtlMs: H,
    requireTicket: null,
    breakGlass: false,
    ...overrides,
  };
}

export function testPolicy(roles: RoleDef[] = defaultRoles()): Policy {
  return {
    version: 1,
    hash: TEST_POLICY_HASH,
    timezone: 'Europe/Berlin',
    minDurationMs: M,
    channels: { approvals: { slack: 'C0APPROVALS' }, audit: { slack: 'C0AUDIT' } },
    groups: new Map(),
    resources: { 'orders-db': { name: 'orders-db', provider: 'recording', settings: {} } },
    roles: Object.fromEntries(roles.map((r) => [r.name, r])),
  };
}

export function defaultRoles(): RoleDef[] {
  return [
    role('readonly', { autoApprove: { maxDurationMs: 15 * M } }),
    role('writer', { approvalsRequired: 2, requireTicket: '^INC-[0-9]+$' }),
    role('breakglass', { breakGlass: true, approvalsRequired: 1 }),
  ];
}

export const alice = { email: 'alice@example.com', slackId: 'UALICE', name: 'alice' };
export const bob = { email: 'bob@example.com', slackId: 'UBOB', name: 'bob' };
export const carol = { email: 'carol@example.com', slackId: 'UCAROL', name: 'carol' };
export const dave = { email: 'dave@example.com', slackId: 'UDAVE', name: 'dave' };
export const mallory = { email: 'mallory@example.com', slackId: 'UMAL', name: 'mallory' };

/**
 * One auto-approved role ("readonly", up to 15 minutes without approval, durations from 1 s) for `count`
 * requesters user0@… — the load shape of benchmarks and crash tests.
 */
export function selfServePolicy(count: number, resource: { name: string; provider: string; grant?: Record<string, unknown> }): Policy {
  return {
    version: 1,
    hash: TEST_POLICY_HASH,
    timezone: 'UTC',
    minDurationMs: 1_000,
    channels: {},
    groups: new Map(),
    resources: { [resource.name]: { name: resource.name, provider: resource.provider, settings: {} } },
    roles: {
      readonly: role('readonly', {
        resource: resource.name,
        grant: resource.grant ?? {},
        requesters: new Set(Array.from({ length: count }, (_, i) => `user${i}@example.com`)),
        approvers: new Set(['approver@example.com']),
        defaultDurationMs: 600_000,
        maxDurationMs: 3_600_000,
        requestTtlMs: 3_600_000,
        autoApprove: { maxDurationMs: 900_000 },
      }),
    },
  };
}
