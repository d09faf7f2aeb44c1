/** The card registry, the step ledger, delivery sightings and DM buttons on a real (in-memory) SQLite store. */
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../db/store/open.ts';
import type { Store } from '../../../db/store/port.ts';
import { CardStore } from '../../../adapters/slack/delivery/card-store.ts';
import { StepLedger } from '../../../adapters/slack/delivery/step-ledger.ts';
import { buttonsLiveWhile, DmButtons } from '../../../adapters/slack/delivery/dm-buttons.ts';
import { actions, button, section } from '../../../adapters/slack/render/blocks.ts';
import { grantView, requestView } from '../../support/slack-views.ts';
import { deliveryId, SeenDeliveries } from '../../../adapters/slack/middleware.ts';
import { maskTokens } from '../../../adapters/slack/bolt-logger.ts';

let store: Store | null = null;
afterEach(async () => {
  await store?.close();
  store = null;
});

function openStore(): Store {
  store = openSqliteStore(':memory:');
  return store;
}

describe('CardStore', () => {
  it('keeps the first card on record for a request; later writers get that one back', async () => {
    const cards = new CardStore(openStore(), () => 1);
    expect(await cards.find(7)).toBeNull();
    expect(await cards.remember(7, { channel: 'C1', ts: '1.1' })).toEqual({ channel: 'C1', ts: '1.1' });
    expect(await cards.remember(7, { channel: 'C1', ts: '2.2' })).toEqual({ channel: 'C1', ts: '1.1' });
    expect(await cards.find(7)).toEqual({ channel: 'C1', ts: '1.1' });
  });
});

describe('StepLedger', () => {
  it('runs a step once per delivery key, not again after it succeeded, again after it failed', async () => {
    let now = 0;
    const ledger = new StepLedger(openStore(), () => now);
    const key = StepLedger.keyOf([{ type: 'grant.changed', requestId: 1 }, 123]);
    let posts = 0;
    await expect(ledger.once(key, 'dm', async () => Promise.reject(new Error('429')))).rejects.toThrow('429');
    await ledger.once(key, 'dm', async () => void posts++);
    await ledger.once(key, 'dm', async () => void posts++);
    await ledger.once(key, 'thread', async () => void posts++);
    await ledger.once(StepLedger.keyOf([{ type: 'grant.changed', requestId: 1 }, 456]), 'dm', async () => void posts++);
    expect(posts).toBe(3);
    now = 3 * 24 * 60 * 60_000;
    expect(await ledger.prune()).toBe(3);
    expect(await ledger.done(key, 'dm')).toBe(false);
  });
});

describe('duplicate deliveries', () => {
  it('names a delivery by event_id, else trigger_id', () => {
    expect(deliveryId({ event_id: 'Ev1', trigger_id: 't' })).toBe('event:Ev1');
    expect(deliveryId({ trigger_id: '123.456' })).toBe('trigger:123.456');
    expect(deliveryId({ type: 'view_closed' })).toBeNull();
  });

  it('remembers ids for a while, and prunes the records of old sightings', async () => {
    let now = 0;
    const db = openStore();
    const seen = new SeenDeliveries(db, 1000, () => now, 3);
    const kept = async () => (await db.kvList('slack:seen:')).map((r) => r.key).sort();
    expect(await seen.firstSighting('a')).toBe(true);
    expect(await seen.firstSighting('a')).toBe(false);
    now = 1001;
    expect(await seen.firstSighting('a')).toBe(true); // seen longer than the ttl ago (and not pruned yet)
    now = 1500;
    expect(await seen.firstSighting('b')).toBe(true);
    expect(await seen.firstSighting('c')).toBe(true);
    expect(await kept()).toEqual(['slack:seen:a', 'slack:seen:b', 'slack:seen:c']);
    now = 2600;
    expect(await seen.firstSighting('d')).toBe(true); // the 6th sighting prunes what is older than the ttl
    expect(await kept()).toEqual(['slack:seen:d']);
    expect(await seen.firstSighting('d')).toBe(false);
    expect(await seen.firstSighting('a')).toBe(true);
  });
});

describe('SDK log lines', () => {
  it('mask anything shaped like a Slack token', () => {
    expect(maskTokens('calling with xoxb-123-456-abc and xapp-1-A0-99-zz done')).toBe('calling with [redacted-token] and [redacted-token] done');
  });
});

describe('DmButtons', () => {
  it('tells which state a DM\'s buttons depend on', () => {
    expect(buttonsLiveWhile([section('x'), actions('a', button('Cancel request', 'request_cancel', '1'))])).toBe('pending');
    expect(buttonsLiveWhile([section('x'), actions('a', button('Extend', 'grant_extend_open', '1'))])).toBe('active');
    expect(buttonsLiveWhile([section('x')])).toBeNull();
  });

  it('remembers DMs per request and hands back those whose state moved on', async () => {
    const db = openStore();
    const dms = new DmButtons(db, () => 1);
    await dms.remember(42, { channel: 'D1', ts: '1.1', live: 'pending', text: 'filed', blocks: [section('filed')] });
    expect(await dms.stale(requestView({ status: 'pending' }))).toEqual([]);
    await dms.remember(42, { channel: 'D1', ts: '2.2', live: 'active', text: 'active', blocks: [] });
    await dms.remember(42, { channel: 'D1', ts: '2.2', live: 'active', text: 'active', blocks: [] });
    expect(await dms.all(42)).toHaveLength(2);
    expect(await dms.all(7)).toEqual([]);
    expect((await dms.stale(requestView({ status: 'approved', grant: grantView() }))).map((d) => d.ts)).toEqual(['1.1']);
    expect((await dms.stale(requestView({ status: 'approved', grant: grantView({ status: 'revoked' }) }))).map((d) => d.ts)).toEqual(['1.1', '2.2']);
    await dms.forget(42, { channel: 'D1', ts: '1.1' });
    await dms.forget(42, { channel: 'D1', ts: '2.2' });
    expect(await dms.all(42)).toEqual([]);
    expect(await db.kvList('slack:dm-buttons:')).toEqual([]);
  });
});
