/** The policy keys of issue 14: remind_after, escalate_after, escalation and expedite_webhook, on a role and in `defaults`. */
import { describe, expect, it } from 'vitest';
import { basePolicy, load, problemsOf } from './fixtures.ts';

const SECRET_ENV = { HOOK_SECRET: 'a-secret-of-sixteen-chars-or-more', PAGER_SECRET: 'pager-secret-0123456789' };

function loaded(policy: unknown) {
  const result = load(policy, SECRET_ENV);
  if (!result.ok) throw new Error(`expected the policy to load: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return result;
}

describe('waiting-request policy', () => {
  it('merges the defaults into every role; a role overrides a key, false switches it off', () => {
    const policy = basePolicy();
    policy.defaults = {
      remind_after: '10m',
      escalate_after: '30m',
      escalation: { approvers: ['group:sre', 'lead@example.com'], channel: { slack: 'C0LEADS' } },
      expedite_webhook: { url: 'https://pager.example.com/hook', secret: 'env:PAGER_SECRET' },
    };
    policy.roles.readonly!.request_ttl = '2h';
    Object.assign(policy.roles.deploy!, { remind_after: false, escalate_after: '20m', request_ttl: '1h' });
    const { policy: resolved, warnings } = loaded(policy);
    expect(resolved.roles.readonly!.waiting).toEqual({
      remindAfterMs: 600_000,
      escalateAfterMs: 1_800_000,
      escalation: { approvers: new Set(['bob@example.com', 'carol@example.com', 'erin@example.com', 'lead@example.com']), channel: { slack: 'C0LEADS' } },
      expediteWebhook: { url: 'https://pager.example.com/hook', secret: 'pager-secret-0123456789', timeoutMs: 10_000 },
    });
    expect(resolved.roles.deploy!.waiting).toMatchObject({ remindAfterMs: null, escalateAfterMs: 1_200_000 });
    expect(warnings).toEqual([]);
  });

  it('a role without any of the keys (and no defaults) has no waiting rules', () => {
    expect(loaded(basePolicy()).policy.roles.readonly!.waiting).toBeUndefined();
  });

  it('says what is wrong, where it was written, once', () => {
    const policy = basePolicy();
    policy.defaults = { escalate_after: '30m', expedite_webhook: { url: 'ftp://pager', secret: 'short' } };
    Object.assign(policy.roles.readonly!, { remind_after: '10s' });
    Object.assign(policy.roles.deploy!, { escalation: { approvers: [] } });
    expect(problemsOf(policy, SECRET_ENV)).toEqual([
      'roles.readonly.remind_after: 10s is too often to remind people (at least 1m)',
      'roles.deploy.escalation.approvers: name at least one approver to escalate to',
      'defaults.expedite_webhook.url: must be an http:// or https:// URL',
    ]);
    const valid = basePolicy();
    valid.defaults = { escalate_after: '30m', expedite_webhook: { url: 'https://pager.example.com', secret: 'short' } };
    Object.assign(valid.roles.readonly!, { remind_after: '10s' });
    expect(problemsOf(valid, SECRET_ENV)).toEqual([
      'roles.readonly.remind_after: 10s is too often to remind people (at least 1m)',
      'defaults.escalate_after: escalate_after needs escalation.approvers: whom should a waiting request escalate to?',
      'defaults.expedite_webhook.secret: must be at least 16 characters (create one with `openssl rand -hex 32`)',
    ]);
  });

  it('warns when a request would lapse before anyone is reminded or it escalates', () => {
    const policy = basePolicy();
    Object.assign(policy.roles.deploy!, { request_ttl: '20m', remind_after: '30m', escalate_after: '1h', escalation: { approvers: ['lead@example.com'] } });
    Object.assign(policy.roles.readonly!, { escalation: { approvers: ['lead@example.com'] } });
    const { warnings } = loaded(policy);
    expect(warnings).toEqual([
      'roles.readonly.escalation: escalation is set but escalate_after is not, so requests never escalate',
      "roles.deploy.remind_after: 30m is not shorter than the role's request_ttl (20m), so requests lapse before anyone is reminded",
      "roles.deploy.escalate_after: 1h is not shorter than the role's request_ttl (20m), so requests lapse before they escalate",
    ]);
  });

  it('an unknown key in defaults gets the usual hint', () => {
    const policy = basePolicy();
    policy.defaults = { remind_afer: '10m' };
    expect(problemsOf(policy, SECRET_ENV)[0]).toMatch(/^defaults\.remind_afer: unknown key \(did you mean "remind_after"\?\)/);
  });
});

describe('a reload that changes waiting rules', () => {
  it('says what changed, in the words of the policy file, never the hook URL or secret', async () => {
    const { diffPolicies } = await import('../../../src/domain/policy-diff.ts');
    const policy = basePolicy();
    policy.defaults = { remind_after: '10m', escalate_after: '30m', escalation: { approvers: ['lead@example.com'] }, expedite_webhook: { url: 'https://pager.example.com/t0ken', secret: 'env:PAGER_SECRET' } };
    const before = loaded(policy).policy;
    policy.defaults = { remind_after: '5m', escalate_after: '30m', escalation: { approvers: ['boss@example.com'] }, expedite_webhook: { url: 'https://pager.example.com/n3w', secret: 'env:PAGER_SECRET' } };
    const after = loaded(policy).policy;
    const lines = diffPolicies(before, after).lines;
    expect(lines[0]).toBe('role readonly: remind_after 10m → 5m; escalation.approvers lead@example.com → boss@example.com; expedite_webhook changed');
    expect(lines.join('\n')).not.toContain('n3w');
  });
});
