/** What the composition root needs from a chat platform adapter (Slack, Teams). */
import type { Express } from 'express';
import type { AppContext } from './app/context.ts';
import type { ChatPort } from './app/ports.ts';

export interface ChatAdapter {
  readonly port: ChatPort;
  /** Connect (Socket Mode) or start taking requests on the shared HTTP server. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ChatAdapterDeps {
  ctx: AppContext;
  /** The shared express app: mount routes here (Slack: POST /slack/events). */
  http: Express;
}
