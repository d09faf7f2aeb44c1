/** What the Slack adapter itself keeps from every delivery: its name (for duplicates) and safe SDK log lines. */
import { describe, expect, it } from 'vitest';
import { maskTokens } from '../../../adapters/slack/bolt-logger.ts';
import { deliveryId } from '../../../adapters/slack/middleware.ts';

describe('duplicate deliveries', () => {
  it('names a delivery by event_id, else trigger_id', () => {
    expect(deliveryId({ event_id: 'Ev1', trigger_id: 't' })).toBe('event:Ev1');
    expect(deliveryId({ trigger_id: '123.456' })).toBe('trigger:123.456');
    expect(deliveryId({ type: 'view_closed' })).toBeNull();
  });
});

describe('SDK log lines', () => {
  it('mask anything shaped like a Slack token', () => {
    expect(maskTokens('calling with xoxb-123-456-abc and xapp-1-A0-99-zz done')).toBe('calling with [redacted-token] and [redacted-token] done');
  });
});
