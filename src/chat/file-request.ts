/** A parsed `request-access ROLE DURATION REASON…` files the request the same way from every platform. */
import type { AppContext } from '../app/context.ts';
import { requestAccess, type RequestAccessResult } from '../app/request-access.ts';
import type { Person } from '../domain/identity.ts';
import type { FileRequestCommand } from './grammar.ts';

export function fileParsedRequest(ctx: AppContext, command: FileRequestCommand, requester: Person, origin: string): Promise<RequestAccessResult> {
  return requestAccess(ctx, {
    roleName: command.role,
    requester,
    durationMs: command.durationMs,
    reason: command.reason,
    ticket: command.ticket,
    breakGlass: command.breakGlass,
    origin,
  });
}
