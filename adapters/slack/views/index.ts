import type { App } from '@slack/bolt';
import type { SlackServices } from '../services.ts';
import { registerDecisionForms } from './decision-forms.ts';
import { registerRequestForm } from './request-form.ts';

export function registerViews(app: App, s: SlackServices): void {
  registerRequestForm(app, s);
  registerDecisionForms(app, s);
}
