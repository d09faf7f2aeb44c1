/** Builds GrantTargets and provider deps for provider tests. */
import { randomBytes } from 'node:crypto';
import type { GrantTarget, ProviderDeps } from '../../../src/providers/types.ts';

export function newGrantId(): string {
  return `t${randomBytes(8).toString('hex')}`;
}

export function grantTarget(overrides: Partial<GrantTarget> = {}): GrantTarget {
  const startsAt = new Date();
  return {
    grantId: newGrantId(),
    requestId: 'AR-42',
    requester: { email: 'alice@example.com', slackId: 'U123', teamsId: null },
    role: 'readonly',
    resource: 'orders-db',
    params: {},
    startsAt,
    expiresAt: new Date(startsAt.getTime() + 3_600_000),
    approvedBy: ['bob@example.com'],
    reason: 'checking INC-123',
    ticket: 'INC-123',
    ...overrides,
  };
}

export interface RecordedLog {
  level: 'info' | 'warn';
  obj: object;
  msg?: string;
}

export function testDeps(env: Record<string, string | undefined> = { PATH: process.env.PATH }): ProviderDeps & { logs: RecordedLog[] } {
  const logs: RecordedLog[] = [];
  return {
    logs,
    env,
    log: {
      info: (obj, msg) => logs.push({ level: 'info', obj, msg }),
      warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
    },
  };
}
