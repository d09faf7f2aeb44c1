/**
 * The Teams endpoint with an app id: every request's JWT is verified by botbuilder against the Bot Framework's
 * OpenID metadata — here a loopback one with a test key set, configured through the authentication settings —
 * so real signed tokens are checked for real. Without an app id the endpoint is off unless TEAMS_EMULATOR=1.
 * Malformed bodies get 400, never a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../../src/config/env.ts';
import { startAccessbot } from '../../../src/main.ts';
import { createLogger } from '../../../src/logging.ts';
import { RecordingProvider } from '../../support/recording-provider.ts';
import { FakeBotFrameworkOpenId } from '../../fakes/bot-framework-openid.ts';
import { APPROVALS, BOB, TeamsHarness, teamsTestPolicy } from './harness.ts';

const APP_ID = '11111111-2222-3333-4444-555555555555';

describe('Teams endpoint authentication (app id configured)', () => {
  let openId: FakeBotFrameworkOpenId;
  let h: TeamsHarness;

  beforeAll(async () => {
    openId = await FakeBotFrameworkOpenId.start();
    h = await TeamsHarness.start({
      env: { TEAMS_EMULATOR: '0', MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'test-secret', MICROSOFT_APP_TENANT_ID: 'tenant-home' },
      startOptions: { teamsAuthSettings: { ToBotFromChannelOpenIdMetadataUrl: openId.metadataUrl, ToBotFromEmulatorOpenIdMetadataUrl: openId.metadataUrl } },
    });
  });
  afterAll(async () => {
    await h?.close();
    await openId?.close();
  });

  /** An activity that needs no answer from the bot: accessbot added to the approvals channel's team. */
  const install = () =>
    h.base(BOB, { id: APPROVALS, conversationType: 'channel', isGroup: true }, { type: 'installationUpdate', action: 'add', channelData: { tenant: { id: 'tenant-home' }, team: { id: APPROVALS }, channel: { id: APPROVALS } } });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const valid = () => openId.token({ aud: APP_ID, serviceurl: h.connector.url });

  it.each([
    ['no token', () => ({})],
    ['a garbage token', () => bearer('not.a.jwt')],
    ['a token signed by the wrong key', () => bearer(openId.token({ aud: APP_ID, serviceurl: h.connector.url }, { forged: true }))],
    ['a token for another bot (wrong audience)', () => bearer(openId.token({ aud: 'someone-else', serviceurl: h.connector.url }))],
    ['an expired token', () => bearer(openId.token({ aud: APP_ID, serviceurl: h.connector.url, exp: Math.floor(Date.now() / 1000) - 3600, nbf: Math.floor(Date.now() / 1000) - 7200 }))],
    ['a token from another issuer', () => bearer(openId.token({ aud: APP_ID, serviceurl: h.connector.url, iss: 'https://evil.example.com' }))],
    ['a token for another service URL', () => bearer(openId.token({ aud: APP_ID, serviceurl: 'https://smba.evil.example.com/' }))],
  ])('refuses %s with 401 and acts on nothing', async (_what, headers) => {
    const answer = await h.post(install(), headers());
    expect(answer.status).toBe(401);
    expect(JSON.stringify(answer.body)).not.toMatch(/at \w+ \(|node_modules/);
    expect(await h.bot.ctx.store.kvGet(`teams:address:ref:${APPROVALS}`)).toBeNull();
  });

  it('accepts a correctly signed token and handles the activity', async () => {
    const answer = await h.post(install(), bearer(valid()));
    expect(answer.status).toBe(200);
    expect(await h.bot.ctx.store.kvGet(`teams:address:ref:${APPROVALS}`)).not.toBeNull();
  });

  it('answers a malformed body with 400, not a stack trace', async () => {
    for (const body of ['{"type": "message",', '[1,2]', '"text"', JSON.stringify({ text: 'no type' })]) {
      const answer = await h.post(body, bearer(valid()));
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body)).not.toMatch(/at \w+ \(|node_modules|SyntaxError/);
    }
  });
});

describe('Teams endpoint without an app id', () => {
  it('is off unless TEAMS_EMULATOR=1', async () => {
    const env = { PORT: '0', ACCESSBOT_DB: ':memory:', LOG_LEVEL: 'silent' };
    const bot = await startAccessbot(loadEnv(env), { policy: teamsTestPolicy(), providers: new Map([['orders-db', new RecordingProvider()]]), env, log: createLogger('silent'), sweepEvery: '0 0 0 1 1 *' });
    try {
      const answer = await fetch(`http://127.0.0.1:${bot.port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message' }) });
      expect(answer.status).toBe(404);
      expect(bot.adapters).toHaveLength(0);
    } finally {
      await bot.stop();
    }
  });

  it('with TEAMS_EMULATOR=1 accepts anonymous requests and says so loudly', async () => {
    const h = await TeamsHarness.start();
    try {
      expect(h.logs.some((line) => /"level":40/.test(line) && /TEAMS_EMULATOR=1.*WITHOUT authentication/.test(line))).toBe(true);
      expect((await h.installInTeam()).status).toBe(200);
      expect((await h.post('{oops')).status).toBe(400);
    } finally {
      await h.close();
    }
  });
});
