/**
 * The Teams bot: every activity's conversation is remembered first (references live in the store), then it is
 * routed — a message to the command handler, an Action.Execute click to the card handler, an install or
 * removal to the install handler. Failures are logged here and never reach Teams as a stack trace.
 */
import { TeamsActivityHandler, type AdaptiveCardInvokeResponse, type AdaptiveCardInvokeValue, type TurnContext } from 'botbuilder';
import { SOMETHING_WENT_WRONG } from '../../src/chat/index.ts';
import { handleExecute } from './handlers/execute.ts';
import { handleInstalled, handleRemoved } from './handlers/install.ts';
import { handleMessage } from './handlers/message.ts';
import type { TeamsServices } from './services.ts';

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class AccessBot extends TeamsActivityHandler {
  constructor(private readonly s: TeamsServices) {
    super();
    this.onMessage(async (context, next) => {
      await this.guard('message', () => handleMessage(s, context));
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.guard('install', () => handleInstalled(s, context));
      await next();
    });
    this.onInstallationUpdateRemove(async (context, next) => {
      await this.guard('uninstall', () => handleRemoved(s, context));
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      if (context.activity.membersAdded?.some((m) => m.id === context.activity.recipient?.id)) await this.guard('install', () => handleInstalled(s, context));
      await next();
    });
    this.onMembersRemoved(async (context, next) => {
      if (context.activity.membersRemoved?.some((m) => m.id === context.activity.recipient?.id)) await this.guard('uninstall', () => handleRemoved(s, context));
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await this.guard('capture', () => this.s.conversations.capture(context.activity));
    await super.run(context);
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    try {
      return await handleExecute(this.s, context, value);
    } catch (error) {
      this.s.log.error({ what: 'card action', err: message(error) }, 'teams handler failed');
      return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: SOMETHING_WENT_WRONG as unknown as Record<string, unknown> };
    }
  }

  private async guard(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.s.log.error({ what, err: message(error) }, 'teams handler failed');
    }
  }
}
