import { describe, expect, it } from 'vitest';
import { bundledPolicyPath } from '../../../src/config/env.ts';
import { loadPolicyFile } from '../../../src/config/load-policy.ts';
import { builtinProviders } from '../../../src/providers/registry.ts';

describe('examples/accessbot.yaml with the real providers', () => {
  it('loads with no environment, saying which defaults it used', () => {
    const result = loadPolicyFile(bundledPolicyPath, { env: {}, providers: builtinProviders });
    if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
    expect(result.warnings).toEqual([
      'resources.orders-db.url: environment variable ORDERS_DB_ADMIN_URL is not set; using the default written in the policy',
      'resources.deploy-hook.url: environment variable DEPLOY_HOOK_URL is not set; using the default written in the policy',
      'resources.deploy-hook.secret: environment variable DEPLOY_HOOK_SECRET is not set; using the default written in the policy',
      'resources.demo-system.env.DEMO_SYSTEM_STATE: environment variable ACCESSBOT_DEMO_STATE is not set; using the default written in the policy',
    ]);
    const { policy } = result;
    expect(Object.values(policy.resources).map((r) => r.provider).sort()).toEqual(['exec', 'exec', 'postgres', 'webhook']);
    expect(policy.roles.demo).toMatchObject({ resource: 'demo-system', approvalsRequired: 1 });
    expect(policy.roles.readonly!.autoApprove).toEqual({ maxDurationMs: 15 * 60_000 });
    expect(policy.roles.writer).toMatchObject({ approvalsRequired: 2, requireTicket: '^INC-[0-9]+$' });
    expect(policy.roles.breakglass).toMatchObject({ breakGlass: true, requireTicket: '' });
    expect(policy.digest).toEqual({ schedule: '0 9 * * 1-5' });
    expect(policy.channels.approvals?.slack).toBe('C0APPROVALS');
    expect(policy.groups.get('oncall')!.has('bob@example.com')).toBe(true); // nested through group:sre
  });

  it('takes real values from the environment', () => {
    const result = loadPolicyFile(bundledPolicyPath, {
      env: {
        ORDERS_DB_ADMIN_URL: 'postgres://admin:pw@127.0.0.1:5433/orders',
        DEPLOY_HOOK_URL: 'https://deploy.internal/access',
        DEPLOY_HOOK_SECRET: 'x'.repeat(32),
        ACCESSBOT_DEMO_STATE: '/tmp/demo-system.json',
      },
      providers: builtinProviders,
    });
    expect(result.ok && result.warnings).toEqual([]);
    expect(result.ok && result.policy.resources['orders-db']!.settings.url).toBe('postgres://admin:pw@127.0.0.1:5433/orders');
  });
});
