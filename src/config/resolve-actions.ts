/** A role's `actions:` as the core sees them (durations in milliseconds, without a prototype). */
import { parseDuration } from '../domain/duration.ts';
import { byName, type ActionDef } from '../domain/policy.ts';
import type { RawAction } from './actions-schema.ts';

export function resolveActions(raw: Record<string, RawAction>): Readonly<Record<string, ActionDef>> {
  const actions = byName<ActionDef>();
  for (const [name, action] of Object.entries(raw)) {
    actions[name] = {
      name,
      description: action.description,
      run: [...(action.run ?? [])],
      ...(action.webhook !== undefined && { webhook: action.webhook }),
      timeoutMs: parseDuration(action.timeout) ?? 60_000,
      confirm: action.confirm,
    };
  }
  return actions;
}

/** Problems with `webhook:` of a role's actions: it must name a webhook resource of the policy. */
export function actionProblems(raw: Record<string, RawAction>, resources: Record<string, { provider?: string }> | undefined): { at: string[]; message: string }[] {
  const problems: { at: string[]; message: string }[] = [];
  for (const [name, action] of Object.entries(raw)) {
    if (action.webhook === undefined) continue;
    const resource = resources && Object.hasOwn(resources, action.webhook) ? resources[action.webhook] : undefined;
    if (!resource) problems.push({ at: [name, 'webhook'], message: `unknown resource "${action.webhook}" (name a resource with provider: webhook)` });
    else if (resource.provider !== 'webhook') problems.push({ at: [name, 'webhook'], message: `resource "${action.webhook}" is a ${resource.provider ?? '?'} resource; an action can call only a webhook resource` });
  }
  return problems;
}
