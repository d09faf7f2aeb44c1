/**
 * Who may run a role's runbook action: only the holder of an active grant of that role, while it lasts.
 * Permission before state, as everywhere: someone else learns nothing about the access.
 */
import { AccessError } from './errors.ts';
import type { GrantStatus } from './grant-rules.ts';
import { samePerson, type Person } from './identity.ts';
import { roleNamed, type ActionDef, type Policy } from './policy.ts';

export interface ActionAccess {
  ref: string;
  role: string;
  holder: Person;
  grant: { status: GrantStatus; expiresAt: number } | null;
}

/** The action `name` of `access`'s role, when `actor` holds that access and it is active now; else a refusal. */
export function checkMayRunAction(policy: Pick<Policy, 'roles'>, access: ActionAccess, actor: Person, name: string, now: number): ActionDef {
  if (!samePerson(access.holder, actor)) throw new AccessError('not_allowed', `Only the holder of ${access.ref} can run its actions.`);
  const actions = roleNamed(policy, access.role)?.actions ?? {};
  const action = Object.hasOwn(actions, name) ? actions[name] : undefined;
  if (!action) {
    const known = Object.keys(actions);
    throw new AccessError('not_found', `The role "${access.role}" of ${access.ref} has no action "${name}"${known.length ? ` (its actions: ${known.join(', ')})` : ' (it has no actions)'}.`);
  }
  const grant = access.grant;
  if (!grant || grant.status !== 'active' || grant.expiresAt <= now) {
    throw new AccessError('not_active', `${access.ref} is not active${grant && grant.status !== 'granting' ? ' any more' : ' yet'}, so its actions cannot be run.`, grant && grant.status !== 'granting' ? { kind: 'new_request' } : null);
  }
  return action;
}

/** The roles of the policy that have an action called `name`. */
export function rolesWithAction(policy: Pick<Policy, 'roles'>, name: string): string[] {
  return Object.values(policy.roles)
    .filter((role) => role.actions !== undefined && Object.hasOwn(role.actions, name))
    .map((role) => role.name);
}
