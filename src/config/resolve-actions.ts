/** A role's `actions:` as the core sees them (durations in milliseconds, without a prototype). */
import { parseDuration } from '../domain/duration.ts';
import { byName, type ActionDef } from '../domain/policy.ts';
import type { RawAction } from './actions-schema.ts';

export function resolveActions(raw: Record<string, RawAction>): Readonly<Record<string, ActionDef>> {
  const actions = byName<ActionDef>();
  for (const [name, action] of Object.entries(raw)) {
    actions[name] = { name, description: action.description, run: [...action.run], timeoutMs: parseDuration(action.timeout) ?? 60_000, confirm: action.confirm };
  }
  return actions;
}
