/**
 * Which targets could not be reached, so an absent target (the example policy's PostgreSQL on a laptop, a webhook
 * nobody runs) is reported once when it goes away and once when it comes back — not on every check, every role
 * and every reconciliation run. Kept per context (one per running bot).
 */
import type { AppContext } from './context.ts';
import type { TargetFinding } from './check-targets.ts';

const downByContext = new WeakMap<AppContext, Map<string, string>>();

function down(ctx: AppContext): Map<string, string> {
  let map = downByContext.get(ctx);
  if (!map) downByContext.set(ctx, (map = new Map()));
  return map;
}

/** Record that `resource` could not be reached; true when this is news (it was reachable or never checked). */
export function markTargetUnreachable(ctx: AppContext, resource: string, error: string): boolean {
  const map = down(ctx);
  const news = !map.has(resource);
  map.set(resource, error);
  return news;
}

/** Record that `resource` answered; true when it had been unreachable. */
export function markTargetReachable(ctx: AppContext, resource: string): boolean {
  return down(ctx).delete(resource);
}

/** The start-up check's unreachable targets: one warning per target, naming the roles that depend on it. */
export function reportUnreachableTargets(ctx: AppContext, findings: readonly TargetFinding[]): void {
  const byResource = new Map<string, { roles: string[]; err: string }>();
  for (const f of findings) {
    if (!f.unreachable) continue;
    const entry = byResource.get(f.resource) ?? { roles: [], err: f.unreachable };
    entry.roles.push(f.role);
    byResource.set(f.resource, entry);
  }
  for (const [resource, { roles, err }] of byResource) {
    if (markTargetUnreachable(ctx, resource, err)) {
      ctx.log.warn({ resource, roles, err }, `target ${resource} is unavailable; its roles (${roles.join(', ')}) cannot be granted until it answers (said once)`);
    }
  }
}
