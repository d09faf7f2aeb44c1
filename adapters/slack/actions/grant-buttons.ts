/** Buttons on a grant: Revoke, Extend (opens the extend form), Show credentials (holder only, while active). */
import type { App } from '@slack/bolt';
import { extensionRoom } from '../../../src/app/extension-room.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { showCredentials } from '../../../src/app/show-credentials.ts';
import { revokedAnswer } from '../../../src/chat/index.ts';
import { ACTION_IDS, credentialsModal, extendModal, renderAnswer } from '../render/index.ts';
import type { SlackServices } from '../services.ts';
import { onRequestButton } from './button.ts';
import { openModal } from '../open-modal.ts';

export function registerGrantButtons(app: App, s: SlackServices): void {
  onRequestButton(app, s, ACTION_IDS.revoke, async (click, person) => {
    const view = await revokeAccess(s.ctx, { requestId: click.requestId, actor: person });
    if (view.requester.slackId) s.homes.refreshUser(view.requester.slackId);
    return renderAnswer(revokedAnswer(view, null));
  });

  onRequestButton(app, s, ACTION_IDS.extendOpen, async (click, person) => {
    const room = await extensionRoom(s.ctx, { requestId: click.requestId, actor: person });
    await openModal(s, click.triggerId, extendModal(room.view, { maxExtraMs: room.maxExtraMs }), 'Extend');
    return null;
  });

  onRequestButton(app, s, ACTION_IDS.showCredentials, async (click, person) => {
    const shown = await showCredentials(s.ctx, { requestId: click.requestId, actor: person });
    // A modal, never a message: it leaves nothing in the conversation history.
    await openModal(s, click.triggerId, credentialsModal(shown.credentials, shown.view), 'Show credentials');
    return null;
  });
}
