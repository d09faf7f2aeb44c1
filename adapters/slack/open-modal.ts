/**
 * Open a modal in answer to a click. Slack accepts a click's trigger for only 3 seconds, and once: when it says
 * no (expired_trigger_id, a slow lookup before it), the person is told to click again instead of "something
 * went wrong".
 */
import { slackErrorCode } from './identity.ts';
import { SlackRefusal } from './refusal.ts';
import type { ModalView } from './render/index.ts';
import type { SlackServices } from './services.ts';

export async function openModal(s: Pick<SlackServices, 'client' | 'log'>, triggerId: string, view: ModalView, button: string): Promise<void> {
  try {
    await s.client.views.open({ trigger_id: triggerId, view });
  } catch (error) {
    s.log.warn({ modal: view.callback_id, err: slackErrorCode(error) ?? (error instanceof Error ? error.message : String(error)) }, 'could not open a modal');
    throw new SlackRefusal(`Slack did not let me open the form in time (it allows only a few seconds after a click). Please press ${button} again.`);
  }
}
