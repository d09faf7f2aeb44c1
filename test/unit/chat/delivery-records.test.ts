/** The card registry, the step ledger, inbound sightings and live buttons on a real (in-memory) SQLite store. */
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../db/store/open.ts';
import type { Store } from '../../../db/store/port.ts';
import { CardRegistry } from '../../../src/chat/delivery/card-registry.ts';
import { LiveButtons } from '../../../src/chat/delivery/live-buttons.ts';
import { StepLedger } from '../../../src/chat/delivery/step-ledger.ts';
import { SeenDeliveries } from '../../../src/chat/inbound.ts';
import type { ChatMessage } from '../../../src/chat/message.ts';
import { buttonsLiveWhile } from '../../../src/chat/messages/requester-notice.ts';
import { rich } from '../../../src/chat/rich-text.ts';
import { ManualClock } from '../../../src/domain/clock.ts';
import { grantView, requestView } from '../../support/slack-views.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

let store: Store | null = null;
afterEach(async () => {
  await store?.close();
  store = null;
});

function context(now = 0): { store: Store; clock: ManualClock } {
  store = openSqliteStore(':memory:');
  return { store, clock: new ManualClock(now) };
}

const said = (words: string, ...buttons: ChatMessage['blocks']): ChatMessage => ({ summary: rich(words), blocks: [{ type: 'paragraph', text: rich(words) }, ...buttons] });

describe('CardRegistry', () => {
  it('keeps the first card on record for a request; later writers get that one back', async () => {
    const cards = new CardRegistry(context(1), 'slack');
    expect(await cards.find(asRequestId(7))).toBeNull();
    expect(await cards.remember(asRequestId(7), { channel: 'C1', messageId: '1.1' })).toEqual({ channel: 'C1', messageId: '1.1' });
    expect(await cards.remember(asRequestId(7), { channel: 'C1', messageId: '2.2' })).toEqual({ channel: 'C1', messageId: '1.1' });
    expect(await cards.find(asRequestId(7))).toEqual({ channel: 'C1', messageId: '1.1' });
    expect(await new CardRegistry({ store: store!, clock: new ManualClock(1) }, 'teams').find(asRequestId(7))).toBeNull();
  });
});

describe('StepLedger', () => {
  it('runs a step once per delivery key, not again after it succeeded, again after it failed', async () => {
    const ctx = context(0);
    const ledger = new StepLedger(ctx, 'slack');
    const key = StepLedger.keyOf([{ type: 'grant.changed', requestId: 1 }, 123]);
    let posts = 0;
    await expect(ledger.once(key, 'dm', async () => Promise.reject(new Error('429')))).rejects.toThrow('429');
    await ledger.once(key, 'dm', async () => void posts++);
    await ledger.once(key, 'dm', async () => void posts++);
    await ledger.once(key, 'thread', async () => void posts++);
    await ledger.once(StepLedger.keyOf([{ type: 'grant.changed', requestId: 1 }, 456]), 'dm', async () => void posts++);
    // Another platform's steps are its own.
    await new StepLedger(ctx, 'teams').once(key, 'dm', async () => void posts++);
    expect(posts).toBe(4);
    ctx.clock.set(3 * 24 * 60 * 60_000);
    expect(await ledger.prune()).toBe(3);
    expect(await ledger.done(key, 'dm')).toBe(false);
  });
});

describe('duplicate deliveries', () => {
  it('remembers ids for a while, and prunes the records of old sightings', async () => {
    const ctx = context(0);
    const seen = new SeenDeliveries(ctx, 'slack', 1000, 3);
    const kept = async () => (await ctx.store.kvList('slack:seen:')).map((r) => r.key).sort();
    expect(await seen.firstSighting('a')).toBe(true);
    expect(await seen.firstSighting('a')).toBe(false);
    ctx.clock.set(1001);
    expect(await seen.firstSighting('a')).toBe(true); // seen longer than the ttl ago (and not pruned yet)
    ctx.clock.set(1500);
    expect(await seen.firstSighting('b')).toBe(true);
    expect(await seen.firstSighting('c')).toBe(true);
    expect(await kept()).toEqual(['slack:seen:a', 'slack:seen:b', 'slack:seen:c']);
    ctx.clock.set(2600);
    expect(await seen.firstSighting('d')).toBe(true); // the 6th sighting prunes what is older than the ttl
    expect(await kept()).toEqual(['slack:seen:d']);
    expect(await seen.firstSighting('d')).toBe(false);
    expect(await seen.firstSighting('a')).toBe(true);
    expect(await new SeenDeliveries(ctx, 'teams').firstSighting('d')).toBe(true);
  });
});

describe('LiveButtons', () => {
  it("tells which state a message's buttons depend on", () => {
    expect(buttonsLiveWhile(said('x', { type: 'buttons', id: 'a', buttons: [{ action: 'cancel', requestId: asRequestId(1), label: 'Cancel request' }] }))).toBe('pending');
    expect(buttonsLiveWhile(said('x', { type: 'buttons', id: 'a', buttons: [{ action: 'extend', requestId: asRequestId(1), label: 'Extend' }] }))).toBe('active');
    expect(buttonsLiveWhile(said('x'))).toBeNull();
  });

  it('remembers messages per request and hands back those whose state moved on', async () => {
    const ctx = context(1);
    const live = new LiveButtons(ctx, 'slack');
    await live.remember(asRequestId(42), { channel: 'D1', messageId: '1.1', live: 'pending', message: said('filed') });
    expect(await live.stale(requestView({ status: 'pending' }))).toEqual([]);
    await live.remember(asRequestId(42), { channel: 'D1', messageId: '2.2', live: 'active', message: said('active') });
    await live.remember(asRequestId(42), { channel: 'D1', messageId: '2.2', live: 'active', message: said('active') });
    expect(await live.all(asRequestId(42))).toHaveLength(2);
    expect((await live.all(asRequestId(42)))[0]!.message).toEqual(said('filed'));
    expect(await live.all(asRequestId(7))).toEqual([]);
    expect((await live.stale(requestView({ status: 'approved', grant: grantView() }))).map((m) => m.messageId)).toEqual(['1.1']);
    expect((await live.stale(requestView({ status: 'approved', grant: grantView({ status: 'revoked' }) }))).map((m) => m.messageId)).toEqual(['1.1', '2.2']);
    await live.forget(asRequestId(42), { channel: 'D1', messageId: '1.1' });
    await live.forget(asRequestId(42), { channel: 'D1', messageId: '2.2' });
    expect(await live.all(asRequestId(42))).toEqual([]);
    expect(await ctx.store.kvList('slack:dm-buttons:')).toEqual([]);
  });

  it('reads an unreadable record (e.g. from an older version) as none', async () => {
    const ctx = context(1);
    await ctx.store.tx((uow) => uow.kvPut('slack:dm-buttons:42', JSON.stringify([{ channel: 'D1', ts: '1.1', live: 'pending', text: 'x', blocks: [] }]), 1));
    expect(await new LiveButtons(ctx, 'slack').all(asRequestId(42))).toEqual([]);
  });
});
