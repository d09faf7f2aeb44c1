import { describe, expect, it } from 'vitest';
import { builtinProviders, checkGrantParams, closeProviders, createProviders, ProviderConfigError } from '../../../src/providers/registry.ts';
import { testDeps } from '../../integration/providers/grant-target.ts';

describe('provider registry', () => {
  it('knows postgres, webhook and exec', () => {
    expect(Object.keys(builtinProviders).sort()).toEqual(['exec', 'postgres', 'webhook']);
    for (const [kind, factory] of Object.entries(builtinProviders)) expect(factory.kind).toBe(kind);
  });

  it('creates one provider per resource, with defaults applied', async () => {
    const providers = createProviders(
      {
        'orders-db': { provider: 'postgres', settings: { url: 'postgres://admin:pw@127.0.0.1:5432/orders' } },
        'deploy-hook': { provider: 'webhook', settings: { url: 'https://deploy.internal/access', secret: 'x'.repeat(32) } },
        deploy: { provider: 'exec', settings: { command: ['./grant.sh'] } },
      },
      testDeps(),
    );
    expect([...providers.entries()].map(([name, p]) => [name, p.kind, p.resource])).toEqual([
      ['orders-db', 'postgres', 'orders-db'],
      ['deploy-hook', 'webhook', 'deploy-hook'],
      ['deploy', 'exec', 'deploy'],
    ]);
    expect(providers.get('orders-db')?.verify).toBeTypeOf('function');
    await closeProviders(providers);
  });

  it('only providers that can list what the target holds offer verify (reconciliation reads its absence as "unknown")', async () => {
    const providers = createProviders(
      {
        eph: { provider: 'postgres', settings: { url: 'postgres://admin:pw@127.0.0.1:5432/orders' } },
        existing: { provider: 'postgres', settings: { url: 'postgres://admin:pw@127.0.0.1:5432/orders', mode: 'existing', users: { 'a@example.com': 'a' } } },
        hook: { provider: 'webhook', settings: { url: 'https://deploy.internal/access', secret: 'x'.repeat(32) } },
        cmd: { provider: 'exec', settings: { command: ['./grant.sh'] } },
      },
      testDeps(),
    );
    expect(Object.fromEntries([...providers].map(([name, p]) => [name, typeof p.verify]))).toEqual({
      eph: 'function',
      existing: 'function',
      hook: 'undefined',
      cmd: 'undefined',
    });
    await closeProviders(providers);
  });

  it('reports every bad setting with its path, and unknown kinds', () => {
    let error: unknown;
    try {
      createProviders(
        {
          a: { provider: 'postgres', settings: { url: 'mysql://x', bogus: 1 } },
          b: { provider: 'webhook', settings: { url: 'ftp://x', secret: 'short', timeout: '10 sec' } },
          c: { provider: 'ldap', settings: {} },
          d: { provider: 'postgres', settings: { url: 'postgres://x/y', mode: 'existing' } },
          e: { provider: 'toString', settings: {} },
        },
        testDeps(),
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProviderConfigError);
    const issues = (error as ProviderConfigError).issues.join('\n');
    expect(issues).toContain('resources.a.url: must be a postgres:// connection URL');
    expect(issues).toMatch(/resources\.a: .*bogus/);
    expect(issues).toContain('resources.b.url: must be an http:// or https:// URL');
    expect(issues).toContain('resources.b.secret: must be at least 16 characters');
    expect(issues).toContain('resources.b.timeout: "10 sec" is not a duration');
    expect(issues).toContain('resources.c.provider: unknown provider "ldap"');
    expect(issues).toContain('resources.d.users: mode existing needs');
    expect(issues).toContain('resources.e.provider: unknown provider "toString"');
  });

  it('checks grant parameters against the resource kind', () => {
    expect(checkGrantParams('postgres', 'readonly', { roles: ['pg_read_all_data'] })).toEqual([]);
    expect(checkGrantParams('postgres', 'readonly', {})).toEqual(['roles.readonly.grant: give at least one of `roles` or `privileges`']);
    expect(checkGrantParams('postgres', 'rw', { privileges: [{ privilege: 'USAGE', on: 'public.orders' }] })).toEqual([
      'roles.rw.grant.privileges.0.privilege: USAGE does not apply to a table; use one of SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, ALL',
    ]);
    expect(checkGrantParams('webhook', 'deploy', { anything: [1, 2] })).toEqual([]);
    expect(checkGrantParams('nope', 'x', {})).toEqual(['roles.x: unknown provider kind "nope"']);
  });
});
