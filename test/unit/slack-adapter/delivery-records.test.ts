/** The card registry and the step ledger on a real SQLite database. */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../db/client.ts';
import { CardStore } from '../../../adapters/slack/delivery/card-store.ts';
import { StepLedger } from '../../../adapters/slack/delivery/step-ledger.ts';
import { buttonsLiveWhile, DmButtons } from '../../../adapters/slack/delivery/dm-buttons.ts';
import { actions, button, section } from '../../../adapters/slack/render/blocks.ts';
import { grantView, requestView } from '../../support/slack-views.ts';
import { deliveryId, RecentIds } from '../../../adapters/slack/middleware.ts';
import { maskTokens } from '../../../adapters/slack/bolt-logger.ts';

let db: Db;
afterEach(() => db?.close());

describe('CardStore', () => {
  it('keeps the first card on record for a request; later writers get that one back', () => {
    db = openDatabase(':memory:');
    const cards = new CardStore(db, () => 1);
    expect(cards.find(7)).toBeNull();
    expect(cards.remember(7, { channel: 'C1', ts: '1.1' })).toEqual({ channel: 'C1', ts: '1.1' });
    expect(cards.remember(7, { channel: 'C1', ts: '2.2' })).toEqual({ channel: 'C1', ts: '1.1' });
    expect(cards.find(7)).toEqual({ channel: 'C1', ts: '1.1' });
  });
});

describe('StepLedger', () => {
  it('runs a step once per delivery key, not again after it succeeded, again after it failed', async () => {
    db = openDatabase(':memory:');
    let now = 0;
    const ledger = new StepLedger(db, () => now);
    const key = StepLedger.keyOf([{ type: 'grant.changed', requestId: 1 }, 123]);
    let posts = 0;
    await expect(ledger.once(key, 'dm', async () => Promise.reject(new Error('429')))).rejects.toThrow('429');
    await ledger.once(key, 'dm', async () => void posts++);
    await ledger.once(key, 'dm', async () => void posts++);
    await ledger.once(key, 'thread', async () => void posts++);
    await ledger.once(StepLedger.keyOf([{ type: 'grant.changed', requestId: 1 }, 456]), 'dm', async () => void posts++);
    expect(posts).toBe(3);
    now = 3 * 24 * 60 * 60_000;
    expect(ledger.prune()).toBe(3);
    expect(ledger.done(key, 'dm')).toBe(false);
  });
});

describe('duplicate deliveries', () => {
  it('names a delivery by event_id, else trigger_id', () => {
    expect(deliveryId({ event_id: 'Ev1', trigger_id: 't' })).toBe('event:Ev1');
    expect(deliveryId({ trigger_id: '123.456' })).toBe('trigger:123.456');
    expect(deliveryId({ type: 'view_closed' })).toBeNull();
  });

  it('remembers ids for a while, within a size bound', () => {
    let now = 0;
    const recent = new RecentIds(1000, 3, () => now);
    expect(recent.firstSighting('a')).toBe(true);
    expect(recent.firstSighting('a')).toBe(false);
    now = 1001;
    expect(recent.firstSighting('a')).toBe(true);
    for (const id of ['b', 'c', 'd', 'e']) recent.firstSighting(id);
    expect(recent.firstSighting('e')).toBe(false);
    expect(recent.firstSighting('a')).toBe(true);
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

  it('remembers DMs per request and hands back those whose state moved on', () => {
    db = openDatabase(':memory:');
    const dms = new DmButtons(db, () => 1);
    dms.remember(42, { channel: 'D1', ts: '1.1', live: 'pending', text: 'filed', blocks: [section('filed')] });
    expect(dms.stale(requestView({ status: 'pending' }))).toEqual([]);
    dms.remember(42, { channel: 'D1', ts: '2.2', live: 'active', text: 'active', blocks: [] });
    dms.remember(42, { channel: 'D1', ts: '2.2', live: 'active', text: 'active', blocks: [] });
    expect(dms.all(42)).toHaveLength(2);
    expect(dms.all(7)).toEqual([]);
    expect(dms.stale(requestView({ status: 'approved', grant: grantView() })).map((d) => d.ts)).toEqual(['1.1']);
    expect(dms.stale(requestView({ status: 'approved', grant: grantView({ status: 'revoked' }) })).map((d) => d.ts)).toEqual(['1.1', '2.2']);
    dms.forget(42, { channel: 'D1', ts: '1.1' });
    dms.forget(42, { channel: 'D1', ts: '2.2' });
    expect(dms.all(42)).toEqual([]);
    expect(db.sqlite.prepare("SELECT count(*) AS n FROM kv WHERE key LIKE 'slack:dm-buttons:%'").get()).toEqual({ n: 0 });
  });
});
