/** What a new policy changes, as the audit event and the audit channel say it. */
import { describe, expect, it } from 'vitest';
import { diffPolicies } from '../../../src/domain/policy-diff.ts';
import type { Policy } from '../../../src/domain/policy.ts';
import { role, testPolicy } from '../../support/policy-fixture.ts';

const M = 60_000;
const H = 60 * M;

function withRoles(base: Policy, roles: Policy['roles']): Policy {
  return { ...base, hash: 'b', roles };
}

describe('diffPolicies', () => {
  it('nothing in effect changed: no lines', () => {
    const before = testPolicy();
    expect(diffPolicies(before, { ...testPolicy(), hash: 'other' })).toEqual({
      rolesAdded: [],
      rolesRemoved: [],
      rolesChanged: [],
      resourcesAdded: [],
      resourcesRemoved: [],
      resourcesChanged: [],
      lines: [],
    });
  });

  it('roles added and removed, approvers and limits changed, in the words of the policy file', () => {
    const before = testPolicy([
      role('readonly', { maxDurationMs: H, autoApprove: { maxDurationMs: 15 * M } }),
      role('legacy'),
      role('writer', { approvers: new Set(['bob@example.com', 'carol@example.com']), approvalsRequired: 1, requireTicket: null }),
    ]);
    const after = withRoles(before, {
      readonly: role('readonly', { maxDurationMs: 2 * H }),
      writer: role('writer', { approvers: new Set(['carol@example.com', 'dave@example.com']), approvalsRequired: 2, requireTicket: '^INC-[0-9]+$' }),
      deploy: role('deploy', { approvers: new Set(['carol@example.com']), maxDurationMs: 30 * M, breakGlass: false }),
    });
    const changes = diffPolicies(before, after);
    expect(changes).toMatchObject({ rolesAdded: ['deploy'], rolesRemoved: ['legacy'], rolesChanged: ['readonly', 'writer'] });
    expect(changes.lines).toEqual([
      expect.stringMatching(/^role deploy added: on orders-db, max_duration 30m, 1 approval\(s\) from carol@example\.com, requesters alice@example\.com, /),
      'role legacy removed',
      'role readonly: max_duration 1h → 2h; auto_approve up to 15m → off',
      'role writer: approvers +dave@example.com −bob@example.com; approvals_required 1 → 2; require_ticket no → /^INC-[0-9]+$/',
    ]);
  });

  it('long member lists are cut short', () => {
    const before = testPolicy([role('readonly', { requesters: new Set() })]);
    const many = new Set(Array.from({ length: 8 }, (_, i) => `user${i}@example.com`));
    const changes = diffPolicies(before, withRoles(before, { readonly: role('readonly', { requesters: many }) }));
    expect(changes.lines).toEqual(['role readonly: requesters +user0@example.com, +user1@example.com, +user2@example.com, +user3@example.com, +user4@example.com and 3 more']);
  });

  it('resources: settings changes are named, never shown (they hold secrets)', () => {
    const before: Policy = { ...testPolicy(), resources: { 'orders-db': { name: 'orders-db', provider: 'postgres', settings: { url: 'postgres://admin:s3cret@db/orders' } }, old: { name: 'old', provider: 'webhook', settings: {} } } };
    const after: Policy = {
      ...before,
      hash: 'b',
      resources: { 'orders-db': { name: 'orders-db', provider: 'postgres', settings: { url: 'postgres://admin:n3w-s3cret@db/orders' } }, hooks: { name: 'hooks', provider: 'webhook', settings: { url: 'https://x' } } },
    };
    const changes = diffPolicies(before, after);
    expect(changes).toMatchObject({ resourcesAdded: ['hooks'], resourcesRemoved: ['old'], resourcesChanged: ['orders-db'] });
    expect(changes.lines).toEqual(['resource hooks added (webhook)', 'resource old removed (its provider stays until restart, for revoking live grants)', 'resource orders-db: settings changed']);
    expect(changes.lines.join('\n')).not.toMatch(/s3cret/);
  });

  it('top-level settings: min_duration, channels, digest (the last two say when they apply)', () => {
    const before = testPolicy();
    const after: Policy = { ...before, hash: 'b', minDurationMs: 5 * M, channels: { ...before.channels, audit: { slack: 'C0NEWAUDIT' } }, digest: { schedule: '0 9 * * 1-5' } };
    expect(diffPolicies(before, after).lines).toEqual([
      'min_duration 1m → 5m',
      'channels.audit slack C0AUDIT → slack C0NEWAUDIT',
      'digest.schedule none → 0 9 * * 1-5 (takes effect at the next restart)',
    ]);
  });

  it('grant parameters compare by value, whatever the key order', () => {
    const before = testPolicy([role('readonly', { grant: { roles: ['a'], privileges: [] } })]);
    expect(diffPolicies(before, withRoles(before, { readonly: role('readonly', { grant: { privileges: [], roles: ['a'] } }) })).lines).toEqual([]);
    expect(diffPolicies(before, withRoles(before, { readonly: role('readonly', { grant: { roles: ['a', 'b'], privileges: [] } }) })).lines).toEqual(['role readonly: grant parameters changed']);
  });
});
