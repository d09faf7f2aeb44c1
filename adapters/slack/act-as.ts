/**
 * Run one user action as the person behind a Slack user id, and answer them privately: the work's answer on
 * success, the refusal (core rule, unknown user, Slack trouble) otherwise.
 */
import type { Person } from '../../src/domain/identity.ts';
import { refusalText } from './refusal.ts';
import { replyPrivately, type PrivateMessage, type PrivateTarget } from './replies.ts';
import type { SlackServices } from './services.ts';
import type { RequestId } from '../../src/domain/request-id.ts';

export async function actAs(
  s: SlackServices,
  target: PrivateTarget,
  what: string,
  work: (person: Person) => Promise<PrivateMessage | null> | PrivateMessage | null,
  /** The request the action is about, when there is one (a refusal may name it). */
  requestId: RequestId | null = null,
): Promise<void> {
  let person: Person | null = null;
  let answer: PrivateMessage | null;
  try {
    person = await s.directory.person(target.userId);
    answer = await work(person);
  } catch (error) {
    answer = { text: refusalText(error, { policy: s.ctx.policy, person, slackUserId: target.userId, log: s.log, what, surface: 'command', requestId }) };
  }
  if (answer) await replyPrivately(s, target, answer);
}

/** Resolve a promise or fail after `ms` (for work that must finish before a 3-second ack). */
export async function within<T>(ms: number, promise: Promise<T>, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
