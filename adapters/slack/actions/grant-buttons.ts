/** Buttons on a grant: Revoke, Extend (opens the extend form), Show credentials (holder only, while active). */
import type { App } from '@slack/bolt';
import { grantOfRequest } from '../../../src/app/records.ts';
import { loadRequestView, requestRef, type RequestView } from '../../../src/app/request-view.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { AccessError } from '../../../src/domain/errors.ts';
import { samePerson, type Person } from '../../../src/domain/identity.ts';
import { openCredentials } from '../../../src/providers/credential-seal.ts';
import { ACTION_IDS, credentialsModal, extendModal } from '../render/index.ts';
import type { SlackServices } from '../services.ts';
import { onRequestButton } from './button.ts';
import { openModal } from '../open-modal.ts';

const DOING = { extend: 'ask to extend it', credentials: 'see its credentials' } as const;

async function heldBy(s: SlackServices, requestId: number, person: Person, purpose: keyof typeof DOING): Promise<RequestView> {
  const view = await loadRequestView(s.ctx.store, s.ctx.policy, requestId, s.ctx.clock.now());
  if (!view) throw new AccessError('not_found', `There is no request ${requestRef(requestId)}.`);
  if (!samePerson(view.requester, person)) throw new AccessError('not_allowed', `Only the holder of this access can ${DOING[purpose]}.`);
  if (!view.grant || view.grant.status !== 'active' || view.grant.expiresAt <= s.ctx.clock.now()) {
    const state =
      view.grant?.status === 'granting' || (!view.grant && view.status === 'approved')
        ? 'is still being set up; try again in a moment'
        : view.grant
          ? 'has ended'
          : view.status === 'pending'
            ? 'is still waiting for approval'
            : `was ${view.status} and never became active`;
    throw new AccessError(
      'not_active',
      purpose === 'credentials'
        ? `${view.ref} ${state}, so there are no credentials to show${view.grant && view.grant.status !== 'granting' ? ' (they stopped working when it ended)' : ''}.`
        : `${view.ref} ${state}, so it cannot be extended.${view.grant?.status === 'granting' ? '' : ' Ask for new access with `/request-access`.'}`,
    );
  }
  return view;
}

export function registerGrantButtons(app: App, s: SlackServices): void {
  onRequestButton(app, s, ACTION_IDS.revoke, async (click, person) => {
    const view = await revokeAccess(s.ctx, { requestId: click.requestId, actor: person });
    if (view.requester.slackId) s.homes.refreshUser(view.requester.slackId);
    return { text: `⏹️ Ending ${view.ref} now.` };
  });

  onRequestButton(app, s, ACTION_IDS.extendOpen, async (click, person) => {
    const view = await heldBy(s, click.requestId, person, 'extend');
    const role = s.ctx.policy.roles[view.role];
    const grant = view.grant!;
    const maxExtraMs = role ? role.maxDurationMs - (grant.expiresAt - grant.startsAt) : null;
    if (maxExtraMs !== null && maxExtraMs <= 0) {
      throw new AccessError('extend_too_long', `${view.ref} already lasts the longest "${view.role}" allows; file a new request when it ends.`);
    }
    await openModal(s, click.triggerId, extendModal(view, { maxExtraMs }), 'Extend');
    return null;
  });

  onRequestButton(app, s, ACTION_IDS.showCredentials, async (click, person) => {
    const view = await heldBy(s, click.requestId, person, 'credentials');
    const sealed = (await grantOfRequest(s.ctx.store, click.requestId))?.credentials;
    if (!sealed) throw new AccessError('not_found', `${view.ref} has no credentials to show.`);
    if (!s.ctx.secretKey) throw new Error('credentials are stored but ACCESSBOT_SECRET_KEY is not set');
    const credentials = openCredentials(s.ctx.secretKey, sealed);
    // A modal, never a message: it leaves nothing in the conversation history.
    await openModal(s, click.triggerId, credentialsModal(credentials, view), 'Show credentials');
    s.log.info({ requestId: click.requestId, grantId: view.grant?.id }, 'credentials shown to their holder');
    return null;
  });
}
