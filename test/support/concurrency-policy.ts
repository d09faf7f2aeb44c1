import type { Policy } from '../../src/domain/policy.ts';
import { role, testPolicy } from './policy-fixture.ts';

export const APPROVERS = Array.from({ length: 50 }, (_, i) => `approver${i}@example.com`);

/** One role, one approval needed, fifty eligible approvers. */
export function concurrencyPolicy(approvalsRequired = 1): Policy {
  return testPolicy([role('readonly', { approvers: new Set(APPROVERS), approvalsRequired })]);
}
