/** The grant state machine and the pure guards for early revoke and extension. */
import { AccessError } from './errors.ts';
import { formatDuration } from './duration.ts';
import { isMember, samePerson, type Person } from './identity.ts';
import type { RoleDef } from './policy.ts';
import type { RequestStatus } from './request-rules.ts';

export type GrantStatus = 'granting' | 'active' | 'revoking' | 'revoked' | 'failed';

const NEXT: Record<GrantStatus, readonly GrantStatus[]> = {
  granting: ['active', 'failed', 'revoking'],
  active: ['revoking'],
  revoking: ['revoked'],
  revoked: [],
  failed: [],
};

/** How a grant that is over (or ending) is described to people. */
const ENDED_WORDS: Record<Exclude<GrantStatus, 'active' | 'granting'>, string> = {
  revoking: 'is already being removed',
  revoked: 'has already ended',
  failed: 'was never granted (granting failed)',
};

export function canTransition(from: GrantStatus, to: GrantStatus): boolean {
  return NEXT[from].includes(to);
}

export function isTerminalGrant(status: GrantStatus): boolean {
  return NEXT[status].length === 0;
}

/** The statuses with work left at the target (being applied, held, being removed): every status that is not terminal. */
export const LIVE_GRANT_STATUSES: readonly GrantStatus[] = (Object.keys(NEXT) as GrantStatus[]).filter((status) => !isTerminalGrant(status));

export interface GrantSubject {
  status: GrantStatus;
  startsAt: number;
  expiresAt: number;
}

/** What the revoke and extension guards see: a request, its holder, and the grant it created (null: none). */
export interface HeldSubject<G extends Pick<GrantSubject, 'status'>> {
  /** "AR-42", for the message. */
  ref: string;
  /** The request's role, as written in its row (it may have left the policy since). */
  roleName: string;
  holder: Person;
  requestStatus: RequestStatus;
  grant: G | null;
}

/**
 * The holder or an eligible approver of the role may end a grant early. Who may act is checked before anything
 * is said about the request, so anyone else learns nothing about it (not even whether it was granted). Returns
 * the grant to revoke.
 */
export function checkRevoke<G extends Pick<GrantSubject, 'status'>>(role: RoleDef | undefined, subject: HeldSubject<G>, actor: Person | 'admin'): G {
  if (actor !== 'admin' && !samePerson(subject.holder, actor) && !(role && isMember(role.approvers, actor))) {
    throw new AccessError('not_allowed', 'Only the holder of this access or an approver of its role can revoke it.');
  }
  const grant = subject.grant;
  if (!grant) throw new AccessError('not_active', `${subject.ref} has no access to revoke (it is ${subject.requestStatus}).`);
  if (grant.status !== 'active' && grant.status !== 'granting') {
    throw new AccessError('not_active', `This access ${ENDED_WORDS[grant.status]}.`);
  }
  return grant;
}

/** How much longer the role's maximum lets this grant run (≤ 0: none). */
export function extensionRoomMs(role: Pick<RoleDef, 'maxDurationMs'>, grant: Pick<GrantSubject, 'startsAt' | 'expiresAt'>): number {
  return role.maxDurationMs - (grant.expiresAt - grant.startsAt);
}

/**
 * Extension needs a new approval and must keep the whole grant within the role's maximum. Only the holder may
 * ask, and only they learn anything about the access. Returns the role, the grant and the new expiry.
 */
export function checkExtend<G extends Pick<GrantSubject, 'status' | 'startsAt' | 'expiresAt'>>(
  role: RoleDef | undefined,
  subject: HeldSubject<G>,
  actor: Person,
  extraMs: number,
  now: number,
): { role: RoleDef; grant: G; expiresAt: number } {
  if (!samePerson(subject.holder, actor)) throw new AccessError('not_allowed', 'Only the holder of this access can ask to extend it.');
  const grant = subject.grant;
  if (!grant) throw new AccessError('not_active', `${subject.ref} has no access to extend.`);
  if (!role) throw new AccessError('not_allowed', `The role "${subject.roleName}" is no longer in the policy.`);
  if (grant.status !== 'active' || grant.expiresAt <= now) throw new AccessError('not_active', 'This access is not active any more; file a new request.');
  const left = extensionRoomMs(role, grant);
  if (extraMs > left) {
    throw new AccessError(
      'extend_too_long',
      left > 0
        ? `That would exceed "${role.name}"'s maximum of ${formatDuration(role.maxDurationMs)}: you can extend by at most ${formatDuration(left)}.`
        : `This access already lasts "${role.name}"'s maximum of ${formatDuration(role.maxDurationMs)}; file a new request when it ends.`,
    );
  }
  return { role, grant, expiresAt: grant.expiresAt + extraMs };
}
