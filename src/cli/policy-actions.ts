/**
 * Runbook actions in `policy explain` and `policy test` (issue 15): who may run what. Only the holder of an
 * active grant of a role runs its actions, so "may request the role" (and get it) is "may run its actions
 * while it lasts" (src/domain/actions.ts).
 */
import { formatDuration } from '../domain/duration.ts';
import type { RoleDef } from '../domain/policy.ts';
import type { Difference } from './policy-test.ts';

/** Lines for `policy explain` about the role's actions (none for a role without actions). */
export function explainActions(role: RoleDef, label: string): string[] {
  const actions = Object.values(role.actions ?? {});
  if (actions.length === 0) return [];
  return [
    `  runbook actions: while the grant is active, ${label} (the holder, and nobody else) may run:`,
    ...actions.map((a) => `    ${a.name}: ${a.description} (${a.webhook !== undefined ? `calls webhook ${a.webhook}` : a.run.join(' ')}; stopped after ${formatDuration(a.timeoutMs)}${a.confirm ? '; asks to confirm' : ''})`),
  ];
}

/** `can_run` / `cannot_run` of a case: what the holder of this role could run, against what the case expects. */
export function actionDifferences(role: RoleDef | undefined, refused: boolean, canRun: readonly string[] = [], cannotRun: readonly string[] = []): Difference[] {
  const actions = role?.actions ?? {};
  const known = Object.keys(actions);
  const out: Difference[] = [];
  for (const name of canRun) {
    if (refused) out.push({ field: 'can_run', expected: `may run ${name}`, actual: 'may not hold this role, so runs none of its actions' });
    else if (!Object.hasOwn(actions, name)) out.push({ field: 'can_run', expected: `may run ${name}`, actual: `the role has no action "${name}" (${known.length ? `its actions: ${known.join(', ')}` : 'it has none'})` });
  }
  for (const name of cannotRun) {
    if (!refused && Object.hasOwn(actions, name)) out.push({ field: 'cannot_run', expected: `may not run ${name}`, actual: `may run ${name} while holding the role` });
  }
  return out;
}
