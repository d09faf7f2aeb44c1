/**
 * What only the holder of live access may do with it — see its credentials, ask for more time — and only while
 * it is active. Permission before state, as everywhere: someone else learns nothing about the access.
 */
import { AccessError } from './errors.ts';
import type { GrantStatus } from './grant-rules.ts';
import { samePerson, type Person } from './identity.ts';
import type { RequestStatus } from './request-rules.ts';

export type HolderPurpose = 'extend' | 'credentials';

const DOING: Record<HolderPurpose, string> = { extend: 'ask to extend it', credentials: 'see its credentials' };

export interface HeldAccess {
  /** "AR-42", for the message. */
  ref: string;
  holder: Person;
  requestStatus: RequestStatus;
  grant: { status: GrantStatus; expiresAt: number } | null;
}

export function checkHeldAndActive(access: HeldAccess, actor: Person, purpose: HolderPurpose, now: number): void {
  if (!samePerson(access.holder, actor)) throw new AccessError('not_allowed', `Only the holder of this access can ${DOING[purpose]}.`);
  const grant = access.grant;
  if (grant && grant.status === 'active' && grant.expiresAt > now) return;
  const settingUp = grant?.status === 'granting' || (!grant && access.requestStatus === 'approved');
  const state = settingUp
    ? 'is still being set up; try again in a moment'
    : grant
      ? 'has ended'
      : access.requestStatus === 'pending'
        ? 'is still waiting for approval'
        : `was ${access.requestStatus} and never became active`;
  if (purpose === 'credentials') {
    throw new AccessError('not_active', `${access.ref} ${state}, so there are no credentials to show${grant && grant.status !== 'granting' ? ' (they stopped working when it ended)' : ''}.`);
  }
  throw new AccessError('not_active', `${access.ref} ${state}, so it cannot be extended.`, grant?.status === 'granting' ? null : { kind: 'new_request' });
}
