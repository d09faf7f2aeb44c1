/**
 * Delivery of a waiting request's reminders, escalation and expedite (issue 14): a private message with the
 * card's link and Approve / Deny to every member the notice names (once each, even when the outbox retries),
 * a line in the approval card's thread, and for an escalation a post in the escalation channel. The buttons of
 * these messages are remembered like the requester's, so they are taken off once the request is decided.
 */
import type { RequestView } from '../../app/request-view.ts';
import { memberKeys, type Person } from '../../domain/identity.ts';
import { roleNamed, type Policy } from '../../domain/policy.ts';
import { waitingRulesOf } from '../../domain/waiting.ts';
import type { Logger } from '../../logging.ts';
import type { ChatDialect } from '../dialect.ts';
import { memberAsPerson } from '../describe.ts';
import { withoutButtons } from '../message.ts';
import { approverMessage, escalationPost, waitingThreadLine, type WaitingNotice } from '../messages/waiting.ts';
import type { LiveButtons } from './live-buttons.ts';
import type { StepLedger } from './step-ledger.ts';
import type { ChatTransport, MessageRef } from './transport.ts';

export interface WaitingDeliveryDeps {
  transport: ChatTransport;
  dialect: ChatDialect;
  ledger: StepLedger;
  liveButtons: LiveButtons;
  policy: Policy;
  now: number;
  log: Logger;
  /** A policy member as a person this platform can reach (e.g. an email looked up to a Slack id). */
  personFor?: (member: string) => Promise<Person>;
}

export async function deliverWaitingNotice(deps: WaitingDeliveryDeps, notice: WaitingNotice, view: RequestView, card: MessageRef | null, key: string): Promise<void> {
  const { transport, ledger } = deps;
  // Nothing to ask once it is decided: a reminder delivered late says nothing.
  if (view.status !== 'pending') return;
  // Each member as this platform knows them: shown as a mention where it can be, messaged where it can be.
  const people: [string, Person][] = [];
  for (const member of notice.members) people.push([member, deps.personFor ? await deps.personFor(member) : memberAsPerson(member)]);
  notice = { ...notice, members: people.map(([member, person]) => (person.slackId ? `slack:${person.slackId}` : member)) };
  if (card) await ledger.once(key, 'thread', () => transport.replyInThread(card, waitingThreadLine(view, notice, deps.now)));
  const cardLink = card && transport.linkTo ? await transport.linkTo(card).catch(() => null) : null;
  const opts = { now: deps.now, dialect: deps.dialect, cardLink };
  if (notice.type === 'request.escalated') {
    const channel = waitingRulesOf(roleNamed(deps.policy, view.role))?.escalation?.channel?.[deps.dialect.platform];
    if (channel) await ledger.once(key, 'escalation_channel', () => transport.postToAuditChannel(channel, escalationPost(view, notice, opts)));
  }
  const message = approverMessage(view, notice, opts);
  const seen = new Set<string>();
  const unreachable: string[] = [];
  for (const [member, person] of people) {
    if (!transport.canNotify(person)) {
      unreachable.push(member);
      continue;
    }
    const id = memberKeys(person).join(' ');
    if (seen.has(id)) continue;
    seen.add(id);
    await ledger.once(key, `dm:${member}`, async () => {
      const sent = await transport.notifyPerson(person, message);
      if (sent) await deps.liveButtons.remember(view.id, { ...sent, live: 'pending', message: { summary: message.summary, blocks: withoutButtons(message.blocks) } });
    });
  }
  if (unreachable.length) deps.log.info({ requestId: view.id, notice: notice.type, members: unreachable }, `these approvers cannot be messaged privately in ${deps.dialect.platformName} (not known there yet); the card and its thread still show the request`);
}
