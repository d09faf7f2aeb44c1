/** The request form's submission: inline errors for anything wrong, else the request is filed and the form closes. */
import type { App, ViewSubmitAction } from '@slack/bolt';
import { requestAccess } from '../../../src/app/request-access.ts';
import { durationField, FORM_WORDS, requestFieldOf } from '../../../src/chat/index.ts';
import { timedAck } from '../middleware.ts';
import { CALLBACK_IDS, parseRequestModal, REQUEST_MODAL_FIELDS } from '../render/index.ts';
import type { SlackServices } from '../services.ts';
import { submitAs, type FieldErrors } from './submission.ts';

/** The chat layer's request-form fields → this modal's block ids. */
const FIELD_KEYS = { role: 'role', duration: 'duration', reason: 'reason', ticket: 'ticket', break_glass: 'breakGlass' } as const;

export function registerRequestForm(app: App, s: SlackServices): void {
  app.view<ViewSubmitAction>(CALLBACK_IDS.requestModal, async ({ ack, body, view, context }) => {
    const done = timedAck(s.metrics, 'view', context, ack);
    const values = parseRequestModal(view.state.values);
    await submitAs(s, done, body.user.id, 'request form', (error) => REQUEST_MODAL_FIELDS[FIELD_KEYS[requestFieldOf(error, values.breakGlass)]], async (person): Promise<FieldErrors | null> => {
      if (!values.role) return { [REQUEST_MODAL_FIELDS.role]: FORM_WORDS.chooseRole };
      const duration = durationField(values.duration, 'how long you need it');
      if ('problem' in duration) return { [REQUEST_MODAL_FIELDS.duration]: duration.problem };
      await requestAccess(s.ctx, {
        roleName: values.role,
        requester: person,
        durationMs: duration.ms,
        reason: values.reason,
        ticket: values.ticket || null,
        breakGlass: values.breakGlass,
        origin: 'slack',
      });
      return null;
    });
  });
}
