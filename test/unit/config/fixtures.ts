/** Shared fixtures for the config tests: a small valid policy and provider factories that never touch a target. */
import { z } from 'zod';
import { stringify } from 'yaml';
import { loadPolicyText, type LoadPolicyResult } from '../../../src/config/load-policy.ts';
import type { ProviderFactory } from '../../../src/providers/types.ts';

function fakeFactory(kind: string, resourceSchema: z.ZodType, grantSchema: z.ZodType): ProviderFactory {
  return {
    kind,
    resourceSchema: resourceSchema as z.ZodType<Record<string, unknown>>,
    grantSchema: grantSchema as z.ZodType<Record<string, unknown>>,
    create() {
      throw new Error('the config tests never create providers');
    },
  };
}

export const fakeProviders: Record<string, ProviderFactory> = {
  fakedb: fakeFactory(
    'fakedb',
    z.strictObject({ url: z.string().startsWith('db://'), pool: z.number().int().min(1).default(2) }),
    z.strictObject({ roles: z.array(z.string()).min(1) }),
  ),
  hook: fakeFactory('hook', z.strictObject({ url: z.string(), secret: z.string().min(16) }), z.record(z.string(), z.unknown())),
};

export type PolicyObject = Record<string, unknown> & {
  groups: Record<string, string[]>;
  resources: Record<string, Record<string, unknown>>;
  roles: Record<string, Record<string, unknown>>;
};

/** A valid policy: engineers request, sre (3 people) approve. */
export function basePolicy(): PolicyObject {
  return {
    version: 1,
    groups: {
      sre: ['Bob@Example.com', 'carol@example.com', 'erin@example.com'],
      engineers: ['alice@example.com', 'group:sre'],
    },
    resources: {
      'orders-db': { provider: 'fakedb', url: 'db://orders' },
      hooks: { provider: 'hook', url: 'http://127.0.0.1:9/access', secret: 'env:HOOK_SECRET' },
    },
    roles: {
      readonly: {
        resource: 'orders-db',
        grant: { roles: ['reader'] },
        requesters: ['group:engineers'],
        approvers: ['group:sre'],
        max_duration: '4h',
      },
      deploy: {
        resource: 'hooks',
        requesters: ['alice@example.com'],
        approvers: ['group:sre'],
        max_duration: '30m',
      },
    },
  };
}

export const baseEnv = { HOOK_SECRET: 'a-secret-of-sixteen-chars-or-more' };

export function load(policy: unknown, env: Record<string, string | undefined> = baseEnv): LoadPolicyResult {
  return loadPolicyText(typeof policy === 'string' ? policy : stringify(policy), { env, providers: fakeProviders });
}

/** The problems as `path: message` lines; fails the test when the policy loaded. */
export function problemsOf(policy: unknown, env?: Record<string, string | undefined>): string[] {
  const result = load(policy, env);
  if (result.ok) throw new Error('expected the policy to be rejected, but it loaded');
  return result.errors.map((p) => `${p.path}: ${p.message}`);
}
