/**
 * The built-in provider kinds and the one place that turns a policy's `resources:` into live providers.
 * Settings are (re)validated here; the schemas only check and fill defaults, so parsing twice is harmless.
 */
import type { z } from 'zod';
import type { Policy } from '../domain/policy.ts';
import { execProvider } from './exec.ts';
import { postgresProvider } from './postgres/index.ts';
import type { Provider, ProviderDeps, ProviderFactory } from './types.ts';
import { webhookProvider } from './webhook.ts';

export const builtinProviders: Record<string, ProviderFactory> = {
  postgres: postgresProvider,
  webhook: webhookProvider,
  exec: execProvider,
};

/** A configuration problem, with every issue as `resources.<name>.<path>: message` (nothing secret in it). */
export class ProviderConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.join('\n'));
    this.name = 'ProviderConfigError';
  }
}

function formatIssues(prefix: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].join('.');
    return `${path}: ${issue.message}`;
  });
}

/** Checks a role's `grant:` parameters against its resource's kind; returns issues ([] when fine). */
export function checkGrantParams(kind: string, roleName: string, params: Record<string, unknown>): string[] {
  const factory = Object.hasOwn(builtinProviders, kind) ? builtinProviders[kind] : undefined;
  if (!factory) return [`roles.${roleName}: unknown provider kind "${kind}"`];
  const parsed = factory.grantSchema.safeParse(params);
  return parsed.success ? [] : formatIssues(`roles.${roleName}.grant`, parsed.error);
}

export function createProviders(
  policyResources: Record<string, { provider: string; settings: Record<string, unknown> }>,
  deps: ProviderDeps,
  factories: Record<string, ProviderFactory> = builtinProviders,
): Map<string, Provider> {
  const issues: string[] = [];
  const ready: Array<[string, ProviderFactory, Record<string, unknown>]> = [];
  for (const [name, { provider, settings }] of Object.entries(policyResources)) {
    const factory = Object.hasOwn(factories, provider) ? factories[provider] : undefined;
    if (!factory) {
      issues.push(`resources.${name}.provider: unknown provider "${provider}" (use one of ${Object.keys(factories).join(', ')})`);
      continue;
    }
    const parsed = factory.resourceSchema.safeParse(settings);
    if (!parsed.success) issues.push(...formatIssues(`resources.${name}`, parsed.error));
    else ready.push([name, factory, parsed.data]);
  }
  if (issues.length > 0) throw new ProviderConfigError(issues);
  return new Map(ready.map(([name, factory, settings]) => [name, factory.create(name, settings, deps)]));
}

/** Closes every provider that holds connections; never throws. */
export async function closeProviders(providers: Map<string, Provider>): Promise<void> {
  await Promise.allSettled([...providers.values()].map(async (provider) => provider.close?.()));
}

/** The live providers for a loaded policy, one per resource. */
export function providersForPolicy(policy: Pick<Policy, 'resources'>, deps: ProviderDeps): Map<string, Provider> {
  return createProviders(Object.fromEntries(Object.values(policy.resources).map((r) => [r.name, { provider: r.provider, settings: r.settings }])), deps);
}
