/** The deny form (a reason the requester will see) and the extend form (how much longer, and why). */
import type { App, ViewSubmitAction } from '@slack/bolt';
import { requestExtension } from '../../../src/app/extend.ts';
import { review } from '../../../src/app/review.ts';
import { durationField, FORM_WORDS } from '../../../src/chat/index.ts';
import { CALLBACK_IDS, DENY_MODAL_FIELDS, EXTEND_MODAL_FIELDS, parseDenyModal, parseExtendModal, parseRequestButtonValue } from '../render/index.ts';
import { timedAck } from '../middleware.ts';
import type { SlackServices } from '../services.ts';
import { submitAs } from './submission.ts';

export function registerDecisionForms(app: App, s: SlackServices): void {
  app.view<ViewSubmitAction>(CALLBACK_IDS.denyModal, async ({ ack, body, view, context }) => {
    const done = timedAck(s.metrics, 'view', context, ack);
    const requestId = parseRequestButtonValue(view.private_metadata);
    const { reason } = parseDenyModal(view.state.values);
    await submitAs(s, done, body.user.id, 'deny form', () => DENY_MODAL_FIELDS.reason, async (person) => {
      if (requestId === null) return { [DENY_MODAL_FIELDS.reason]: FORM_WORDS.lostRequest };
      if (!reason) return { [DENY_MODAL_FIELDS.reason]: FORM_WORDS.denyReason };
      await review(s.ctx, { requestId, reviewer: person, decision: 'deny', note: reason });
      return null;
    }, requestId);
  });

  app.view<ViewSubmitAction>(CALLBACK_IDS.extendModal, async ({ ack, body, view, context }) => {
    const done = timedAck(s.metrics, 'view', context, ack);
    const requestId = parseRequestButtonValue(view.private_metadata);
    const values = parseExtendModal(view.state.values);
    await submitAs(s, done, body.user.id, 'extend form', () => EXTEND_MODAL_FIELDS.duration, async (person) => {
      if (requestId === null) return { [EXTEND_MODAL_FIELDS.duration]: FORM_WORDS.lostRequest };
      const duration = durationField(values.duration, 'how much longer');
      if ('problem' in duration) return { [EXTEND_MODAL_FIELDS.duration]: duration.problem };
      await requestExtension(s.ctx, { requestId, actor: person, durationMs: duration.ms, reason: values.reason || null, origin: 'slack' });
      return null;
    }, requestId);
  });
}
