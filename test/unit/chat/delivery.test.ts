/**
 * ChatDelivery, platform-free: the core decides, the delivery posts through a recording transport. One card
 * per request (updated in place, never re-posted once deleted), one thread reply and one private message per
 * step however often a notice is retried, old buttons retired once their state has passed, audit posts once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { requestAccess } from '../../../src/app/request-access.ts';
import { loadRequestView } from '../../../src/app/request-view.ts';
import { review } from '../../../src/app/review.ts';
import type { Notice } from '../../../src/app/ports.ts';
import { ChatDelivery, plainText, type ChatDialect, type ChatMessage, type ChatTransport, type MessageRef, type RichText, type UpdateOutcome } from '../../../src/chat/index.ts';
import type { Person } from '../../../src/domain/identity.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { testPolicy } from '../../support/policy-fixture.ts';
import { type RequestId } from '../../../src/domain/request-id.ts';

const TEAMS: ChatDialect = { platform: 'teams', platformName: 'Teams', commandPrefix: '', personalView: 'personal tab' };
const alice: Person = { email: 'alice@example.com', teamsId: 'aad-alice', name: 'alice' };
const bob: Person = { email: 'bob@example.com', teamsId: 'aad-bob', name: 'bob' };

type Call = { verb: string; ref?: MessageRef; channel?: string; text: string; buttons?: string[] };

class RecordingTransport implements ChatTransport {
  readonly platform = 'teams';
  readonly calls: Call[] = [];
  gone = new Set<string>();
  failNext: string | null = null;
  beforePostCard: (() => Promise<void>) | null = null;
  private seq = 0;

  private words(message: ChatMessage): string {
    return [plainText(message.summary), ...message.blocks.map((b) => ('text' in b && Array.isArray(b.text) ? plainText(b.text as RichText) : ''))].join('\n');
  }
  private buttons(message: ChatMessage): string[] {
    return message.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons.map((x) => x.action) : []));
  }
  private fail(verb: string): void {
    if (this.failNext === verb) {
      this.failNext = null;
      throw new Error(`${verb} failed`);
    }
  }

  async postCard(channel: string, card: ChatMessage): Promise<MessageRef> {
    this.fail('postCard');
    await this.beforePostCard?.();
    const ref = { channel, messageId: `m${++this.seq}` };
    this.calls.push({ verb: 'postCard', ref, text: this.words(card), buttons: this.buttons(card) });
    return ref;
  }
  async updateCard(ref: MessageRef, card: ChatMessage): Promise<UpdateOutcome> {
    this.fail('updateCard');
    if (this.gone.has(ref.messageId)) return 'gone';
    this.calls.push({ verb: 'updateCard', ref, text: this.words(card), buttons: this.buttons(card) });
    return 'updated';
  }
  async deleteCard(ref: MessageRef): Promise<void> {
    this.calls.push({ verb: 'deleteCard', ref, text: '' });
  }
  async replyInThread(ref: MessageRef, text: RichText): Promise<void> {
    this.fail('replyInThread');
    this.calls.push({ verb: 'replyInThread', ref, text: plainText(text) });
  }
  canNotify(person: Person): boolean {
    return Boolean(person.teamsId);
  }
  async notifyPerson(person: Person, message: ChatMessage): Promise<MessageRef | null> {
    this.fail('notifyPerson');
    const ref = { channel: `dm:${person.teamsId}`, messageId: `m${++this.seq}` };
    this.calls.push({ verb: 'notifyPerson', ref, text: this.words(message), buttons: this.buttons(message) });
    return ref;
  }
  async retireButtons(ref: MessageRef, message: ChatMessage): Promise<UpdateOutcome> {
    this.fail('retireButtons');
    if (this.gone.has(ref.messageId)) return 'gone';
    this.calls.push({ verb: 'retireButtons', ref, text: this.words(message), buttons: this.buttons(message) });
    return 'updated';
  }
  async postToAuditChannel(channel: string, message: ChatMessage): Promise<void> {
    this.calls.push({ verb: 'postToAuditChannel', channel, text: this.words(message) });
  }

  verbs(): string[] {
    return this.calls.map((c) => c.verb);
  }
  take(): Call[] {
    return this.calls.splice(0);
  }
}

let h: Harness;
let transport: RecordingTransport;
let delivery: ChatDelivery;
const changed: number[] = [];
afterEach(async () => h?.close());

function start(channels = { approvals: { teams: 'T-APPROVALS' }, audit: { teams: 'T-AUDIT' } }): void {
  h = createHarness({ policy: { ...testPolicy(), channels } });
  transport = new RecordingTransport();
  changed.length = 0;
  delivery = new ChatDelivery({ ctx: h.ctx, transport, dialect: TEAMS, log: h.ctx.log, onRequestChanged: (view) => changed.push(view.id) });
}

async function deliver(notice: Notice): Promise<void> {
  const view = 'requestId' in notice && notice.requestId ? await loadRequestView(h.store, h.ctx.policy, notice.requestId, h.clock.now()) : null;
  await delivery.deliver(notice, view);
}

async function filed(): Promise<RequestId> {
  const { view } = await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 60 * 60_000, reason: 'checking', origin: 'test' });
  return view.id;
}

describe('ChatDelivery', () => {
  it('posts the card once and messages the requester once, however often the notice is retried', async () => {
    start();
    const id = await filed();
    const notice: Notice = { type: 'request.filed', requestId: id };
    await deliver(notice);
    expect(transport.verbs()).toEqual(['postCard', 'notifyPerson']);
    const [card, dm] = transport.take();
    expect(card).toMatchObject({ ref: { channel: 'T-APPROVALS' }, buttons: ['approve', 'deny'] });
    expect(dm).toMatchObject({ ref: { channel: 'dm:aad-alice' }, buttons: ['cancel', 'expedite'] });
    expect(dm!.text).toContain('Your request AR-1 readonly on orders-db for 1h was filed.');
    expect(changed).toEqual([id]);

    await deliver(notice);
    expect(transport.take().map((c) => c.verb)).toEqual(['updateCard']);
  });

  it('on a decision: updates the card, replies in its thread, tells the requester, and retires the Cancel button', async () => {
    start();
    const id = await filed();
    await deliver({ type: 'request.filed', requestId: id });
    const [card, cancelDm] = transport.take();
    await review(h.ctx, { requestId: id, reviewer: bob, decision: 'approve' });
    await deliver({ type: 'request.reviewed', requestId: id, reviewer: 'bob', decision: 'approve', final: true });
    const calls = transport.take();
    expect(calls.map((c) => c.verb)).toEqual(['updateCard', 'replyInThread', 'notifyPerson', 'retireButtons']);
    expect(calls[0]).toMatchObject({ ref: card!.ref, buttons: [] });
    expect(calls[1]).toMatchObject({ ref: card!.ref, text: '✅ Approved by bob.' });
    expect(calls[2]!.text).toContain('was approved by bob. Setting up access…');
    expect(calls[3]).toMatchObject({ ref: cancelDm!.ref, buttons: [] });
    expect(calls[3]!.text).toContain('was filed.');
    expect(calls[3]!.text).toContain('✅ Approved by bob.');

    // A retry of the same notice: the card is refreshed, nothing else repeats, nothing is left to retire.
    await deliver({ type: 'request.reviewed', requestId: id, reviewer: 'bob', decision: 'approve', final: true });
    expect(transport.take().map((c) => c.verb)).toEqual(['updateCard']);
  });

  it('a failure part-way throws (the outbox retries) and the retry sends only what did not go out', async () => {
    start();
    const id = await filed();
    await deliver({ type: 'request.filed', requestId: id });
    transport.take();
    await review(h.ctx, { requestId: id, reviewer: bob, decision: 'approve' });
    const notice: Notice = { type: 'request.reviewed', requestId: id, reviewer: 'bob', decision: 'approve', final: true };
    transport.failNext = 'notifyPerson';
    await expect(deliver(notice)).rejects.toThrow('notifyPerson failed');
    expect(transport.take().map((c) => c.verb)).toEqual(['updateCard', 'replyInThread']);
    await deliver(notice);
    expect(transport.take().map((c) => c.verb)).toEqual(['updateCard', 'notifyPerson', 'retireButtons']);
  });

  it('a card deleted on the platform is not re-posted; the rest still goes out', async () => {
    start();
    const id = await filed();
    await deliver({ type: 'request.filed', requestId: id });
    transport.gone.add(transport.take()[0]!.ref!.messageId);
    await review(h.ctx, { requestId: id, reviewer: bob, decision: 'approve' });
    await deliver({ type: 'request.reviewed', requestId: id, reviewer: 'bob', decision: 'approve', final: true });
    expect(transport.take().map((c) => c.verb)).toEqual(['notifyPerson', 'retireButtons']);
  });

  it('the loser of a race to post the card deletes its own and updates the one on record', async () => {
    start();
    const id = await filed();
    transport.beforePostCard = async () => {
      await h.store.tx((uow) => uow.rememberCard('teams', id, { channel: 'T-APPROVALS', messageId: 'theirs' }, h.clock.now()));
    };
    await deliver({ type: 'request.filed', requestId: id });
    const calls = transport.take();
    expect(calls.slice(0, 3).map((c) => [c.verb, c.ref?.messageId])).toEqual([
      ['postCard', 'm1'],
      ['deleteCard', 'm1'],
      ['updateCard', 'theirs'],
    ]);
  });

  it('without channels for this platform: no card and no audit posts, the requester still hears; alerts post once', async () => {
    start({ approvals: {}, audit: {} } as never);
    const id = await filed();
    await deliver({ type: 'request.filed', requestId: id });
    await deliver({ type: 'audit.alert', code: 'drift', text: 'x', requestId: id });
    expect(transport.take().map((c) => c.verb)).toEqual(['notifyPerson']);

    await h.close();
    start();
    const alert: Notice = { type: 'audit.alert', code: 'drift', text: 'role r1 found at the target', requestId: null };
    await deliver(alert);
    await deliver(alert);
    const posts = transport.take();
    expect(posts).toEqual([{ verb: 'postToAuditChannel', channel: 'T-AUDIT', text: expect.stringContaining('🔀 Access drift: role r1 found at the target') }]);
  });
});
