import type { App } from '@slack/bolt';
import type { SlackServices } from '../services.ts';
import { registerAccess } from './access.ts';
import { registerRequestAccess } from './request-access.ts';

export function registerCommands(app: App, s: SlackServices): void {
  registerRequestAccess(app, s);
  registerAccess(app, s);
}
