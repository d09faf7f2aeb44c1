/**
 * The few things a chat platform must do for delivery (compare Teleport's `MessagingBot`): post and update an
 * approval card, reply in its thread, message a person privately, post to the audit channel, and take the
 * buttons off an older private message. Everything else — which message exists for a request, which step
 * already went out, what each message says, when buttons are retired — is decided by ChatDelivery.
 * Implementations render the message models (Block Kit, Adaptive Cards) and throw on failure (the outbox
 * retries); "that message is gone" is an answer, not a failure.
 */
import type { Platform } from '../../domain/policy.ts';
import type { Person } from '../../domain/identity.ts';
import type { ChatMessage } from '../message.ts';
import type { RichText } from '../rich-text.ts';
import type { RequestId } from '../../domain/request-id.ts';

/** Where a message is, in the platform's own terms (Slack: channel and ts; Teams: conversation and activity id). */
export interface MessageRef {
  channel: string;
  messageId: string;
}

/** `gone`: the platform no longer has that message (deleted, or it may not be edited any more). */
export type UpdateOutcome = 'updated' | 'gone';

export interface ChatTransport {
  readonly platform: Platform;
  /** Post a request's approval card to a channel. */
  postCard(channel: string, card: ChatMessage, requestId: RequestId): Promise<MessageRef>;
  updateCard(card: MessageRef, message: ChatMessage): Promise<UpdateOutcome>;
  /** Remove a card this delivery posted but lost a race for (best effort). */
  deleteCard(card: MessageRef): Promise<void>;
  replyInThread(card: MessageRef, text: RichText): Promise<void>;
  /** Can this person be messaged privately on this platform (e.g. a Slack user id is known)? */
  canNotify(person: Person): boolean;
  /** Message a person privately; where it landed, when the platform says. */
  notifyPerson(person: Person, message: ChatMessage): Promise<MessageRef | null>;
  /** Replace a private message with the same words and no working buttons. */
  retireButtons(message: MessageRef, retired: ChatMessage): Promise<UpdateOutcome>;
  postToAuditChannel(channel: string, message: ChatMessage): Promise<void>;
  /** A link people can open to a posted card, where the platform has one (reminders point at the card). */
  linkTo?(card: MessageRef): Promise<string | null>;
}
