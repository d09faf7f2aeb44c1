/** Expiry reminders: one per grant long enough to need one, never crowded out by grants too short for one. */
import { afterEach, describe, expect, it } from 'vitest';
import { sendExpiryReminders } from '../../../src/app/expire.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { fileGrant, M, person, recordOutbox, recordingPort } from './support.ts';

let h: Harness;
afterEach(async () => h?.close());

describe('sendExpiryReminders', () => {
  it('reminds a long grant even when more than a batch of short grants expire around the same time', async () => {
    h = createHarness({ ports: [recordingPort()] });
    const outbox = recordOutbox(h);
    const people = Array.from({ length: 251 }, (_, i) => person(i));
    h.ctx.policy = { ...h.ctx.policy, roles: { ...h.ctx.policy.roles, readonly: { ...h.ctx.policy.roles.readonly!, requesters: new Set(people.map((p) => p.email!)) } } };
    for (const p of people.slice(0, 250)) await fileGrant(h, 6 * M, p); // too short for a reminder
    h.clock.advance(30_000);
    const long = await fileGrant(h, 10 * M, people[250]!); // expires after all of them
    await h.worker.idle();
    h.clock.advance(6 * M); // the long one is now 4.5 min from expiry; the short ones 30 s or less
    expect(await sendExpiryReminders(h.ctx)).toBe(1);
    const reminders = outbox.rows().filter((r) => r.dedupeKey.startsWith('reminder:'));
    expect(reminders.map((r) => r.dedupeKey)).toEqual([expect.stringContaining(long)]);
    expect(await sendExpiryReminders(h.ctx)).toBe(0);
  });
});
