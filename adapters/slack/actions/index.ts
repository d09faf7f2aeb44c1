import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { actAs } from '../act-as.ts';
import { openRequestForm } from '../commands/request-access.ts';
import { timedAck } from '../middleware.ts';
import { ACTION_IDS } from '../render/index.ts';
import type { SlackServices } from '../services.ts';
import { clickTarget } from './button.ts';
import { registerGrantButtons } from './grant-buttons.ts';
import { registerRequestButtons } from './request-buttons.ts';
import { registerRunActionButton } from './run-action-button.ts';

export function registerActions(app: App, s: SlackServices): void {
  registerRequestButtons(app, s);
  registerGrantButtons(app, s);
  registerRunActionButton(app, s);
  // App Home's "Request access" button opens the same form as a bare /request-access.
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.openRequestModal, async ({ ack, body, respond, context }) => {
    await timedAck(s.metrics, 'action', context, ack)();
    await actAs(s, clickTarget(body, respond), 'open request form', (person) => openRequestForm(s, person, body.user.id, body.trigger_id, null));
  });
}
