/** Slack user → Person, against the emulator through the real Web API client. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { SlackDirectory } from '../../../adapters/slack/identity.ts';
import { startSlackEmulator, type SlackEmulator } from '../../../playground/slack-emulator/index.ts';

let emu: SlackEmulator;
let client: InstanceType<typeof webApi.WebClient>;
let now = 0;

beforeAll(async () => {
  emu = await startSlackEmulator({
    users: [
      { id: 'U0ALICE', name: 'alice', email: 'Alice@Example.com', realName: 'Alice Archer' },
      { id: 'U0GONE', name: 'gone', email: 'gone@example.com', deleted: true },
      { id: 'U0ROBOT', name: 'robot', isBot: true },
      // Slack Connect: another organisation manages this profile, and has put Bob's address in it.
      { id: 'U0EVE', name: 'eve', email: 'bob@example.com', teamId: 'T0OTHERORG' },
    ],
  });
  client = new webApi.WebClient(emu.botToken, { slackApiUrl: emu.url, retryConfig: { retries: 0 } });
});
afterAll(async () => emu.close());
beforeEach(() => {
  emu.reset();
  now = 1_000_000;
});

const directory = () => new SlackDirectory(client, () => now);

describe('SlackDirectory', () => {
  it('reads the email Slack vouches for (lower-cased) and a display name', async () => {
    expect(await directory().person('U0ALICE')).toEqual({ slackId: 'U0ALICE', email: 'alice@example.com', name: 'alice' });
  });

  it('caches for 10 minutes, then asks again; concurrent lookups share one call', async () => {
    const dir = directory();
    await Promise.all([dir.person('U0ALICE'), dir.person('U0ALICE'), dir.person('U0ALICE')]);
    now += 9 * 60_000;
    await dir.person('U0ALICE');
    expect(emu.callsTo('users.info')).toHaveLength(1);
    now += 2 * 60_000;
    await dir.person('U0ALICE');
    expect(emu.callsTo('users.info')).toHaveLength(2);
  });

  it('without permission to read profiles, the Slack id alone identifies the person', async () => {
    emu.failNext('users.info', { error: 'missing_scope' });
    expect(await directory().person('U0ALICE')).toEqual({ slackId: 'U0ALICE' });
  });

  it('refuses deactivated users, bots and unknown ids, and says so in words', async () => {
    await expect(directory().person('U0GONE')).rejects.toMatchObject({ code: 'ambiguous_user', userMessage: expect.stringMatching(/deactivated/) });
    await expect(directory().person('U0ROBOT')).rejects.toMatchObject({ code: 'ambiguous_user', userMessage: expect.stringMatching(/Bots and apps/) });
    await expect(directory().person('U0NOBODY')).rejects.toMatchObject({ code: 'unknown_user' });
  });

  it('a Slack outage is a refusal to retry, not a guess — and is not cached', async () => {
    emu.failNext('users.info', { error: 'internal_error' });
    const dir = directory();
    await expect(dir.person('U0ALICE')).rejects.toMatchObject({ code: 'unknown_user', userMessage: expect.stringMatching(/try again/) });
    expect(await dir.person('U0ALICE')).toMatchObject({ email: 'alice@example.com' });
  });

  it('finds the Slack id behind an email for @-mentions: humans only, cached found or not, outages not cached', async () => {
    const dir = directory();
    expect(await dir.slackIdForEmail('ALICE@example.com')).toBe('U0ALICE');
    expect(await dir.slackIdForEmail('alice@example.com')).toBe('U0ALICE');
    expect(await dir.slackIdForEmail('nobody@example.com')).toBeNull();
    expect(await dir.slackIdForEmail('nobody@example.com')).toBeNull();
    expect(await dir.slackIdForEmail('gone@example.com')).toBeNull();
    expect(emu.callsTo('users.lookupByEmail')).toHaveLength(3);
    expect(dir.cachedSlackIdForEmail('alice@example.com')).toBe('U0ALICE');
    now += 61 * 60_000;
    expect(dir.cachedSlackIdForEmail('alice@example.com')).toBeNull();
    emu.failNext('users.lookupByEmail', { status: 429, retryAfter: 1 });
    expect(await dir.slackIdForEmail('alice@example.com')).toBeNull();
    expect(await dir.slackIdForEmail('alice@example.com')).toBe('U0ALICE');
  });

  it('does not trust the email of a user from another organisation: they match by Slack id only', async () => {
    expect(await directory().person('U0EVE')).toEqual({ slackId: 'U0EVE', email: null, name: 'eve' });
    expect(emu.callsTo('auth.test')).toHaveLength(1);
  });

  it('cannot tell which workspace is home (auth.test failing): refuses rather than guesses', async () => {
    emu.failNext('auth.test', { error: 'internal_error' });
    const dir = directory();
    await expect(dir.person('U0ALICE')).rejects.toMatchObject({ code: 'unknown_user', userMessage: expect.stringMatching(/try again/) });
    expect(await dir.person('U0ALICE')).toMatchObject({ email: 'alice@example.com' });
  });
});
