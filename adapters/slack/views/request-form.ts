/** The request form's submission: inline errors for anything wrong, else the request is filed and the form closes. */
import type { App, ViewSubmitAction } from '@slack/bolt';
import { requestAccess } from '../../../src/app/request-access.ts';
import { DURATION_EXAMPLES, parseDuration } from '../../../src/domain/duration.ts';
import type { AccessError } from '../../../src/domain/errors.ts';
import { timedAck } from '../middleware.ts';
import { CALLBACK_IDS, parseRequestModal, REQUEST_MODAL_FIELDS } from '../render/index.ts';
import type { SlackServices } from '../services.ts';
import { submitAs, type FieldErrors } from './submission.ts';

/** Which form field a core refusal belongs under. */
export function requestFieldFor(error: AccessError | null, breakGlassTicked: boolean): string {
  switch (error?.code) {
    case 'bad_duration':
    case 'duration_too_long':
    case 'duration_too_short':
      return REQUEST_MODAL_FIELDS.duration;
    case 'reason_required':
      return REQUEST_MODAL_FIELDS.reason;
    case 'ticket_required':
    case 'ticket_invalid':
      return REQUEST_MODAL_FIELDS.ticket;
    case 'break_glass_not_allowed':
      return breakGlassTicked ? REQUEST_MODAL_FIELDS.breakGlass : REQUEST_MODAL_FIELDS.role;
    default:
      return REQUEST_MODAL_FIELDS.role;
  }
}

export function registerRequestForm(app: App, s: SlackServices): void {
  app.view<ViewSubmitAction>(CALLBACK_IDS.requestModal, async ({ ack, body, view, context }) => {
    const done = timedAck(s.metrics, 'view', context, ack);
    const values = parseRequestModal(view.state.values);
    await submitAs(s, done, body.user.id, 'request form', (error) => requestFieldFor(error, values.breakGlass), async (person): Promise<FieldErrors | null> => {
      if (!values.role) return { [REQUEST_MODAL_FIELDS.role]: 'Choose a role.' };
      const durationMs = parseDuration(values.duration);
      if (durationMs === null) {
        return { [REQUEST_MODAL_FIELDS.duration]: values.duration ? `"${values.duration}" is not a duration: ${DURATION_EXAMPLES}.` : `Say how long you need it: ${DURATION_EXAMPLES}.` };
      }
      await requestAccess(s.ctx, {
        roleName: values.role,
        requester: person,
        durationMs,
        reason: values.reason,
        ticket: values.ticket || null,
        breakGlass: values.breakGlass,
        origin: 'slack',
      });
      return null;
    }, (error) => requestFormMessage(error, values.role));
  });
}

/** The core speaks in command words ("add --ticket ID"); in the form, point at the field instead. */
export function requestFormMessage(error: AccessError, role: string): string {
  if (error.code === 'ticket_required') return `"${role}" needs a ticket: enter its id here.`;
  if (error.code === 'break_glass_not_allowed') return `"${role}" does not allow break-glass: untick this box to file a normal request.`;
  return error.userMessage;
}
