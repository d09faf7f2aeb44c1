/**
 * Slack and Teams on at once, over one policy and one store: a request filed with Slack's /request-access is
 * approved on the Teams card; there is exactly one grant, and both platforms' cards are updated.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postToApp, SlackRequestSigner, startSlackEmulator, type SlackEmulator } from '../../../playground/slack-emulator/index.ts';
import { ALICE as SLACK_ALICE, APPROVALS_CHANNEL, AUDIT_CHANNEL, BOB as SLACK_BOB } from '../../support/slack-workspace.ts';
import { APPROVALS, AUDIT, BOB, TeamsHarness, actionsOf, cardOf, teamsTestPolicy, visible } from './harness.ts';

const SIGNING_SECRET = 'cross-platform-signing-secret';

let h: TeamsHarness;
let emu: SlackEmulator;
afterEach(async () => {
  await h?.close();
  await emu?.close();
});

describe('Slack and Teams together', () => {
  it('a request filed in Slack and approved in Teams makes one grant and updates both cards', async () => {
    emu = await startSlackEmulator({ users: [SLACK_ALICE, SLACK_BOB], channels: [APPROVALS_CHANNEL, AUDIT_CHANNEL, { id: 'C0GENERAL', name: 'general' }] });
    const policy = teamsTestPolicy();
    h = await TeamsHarness.start({
      policy: { ...policy, channels: { approvals: { teams: APPROVALS, slack: APPROVALS_CHANNEL.id }, audit: { teams: AUDIT, slack: AUDIT_CHANNEL.id } } },
      env: { SLACK_BOT_TOKEN: emu.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: emu.url },
    });
    expect(h.bot.ctx.platforms).toEqual(['slack', 'teams']);
    await h.installInTeam();

    const signer = new SlackRequestSigner({ signingSecret: SIGNING_SECRET, teamId: emu.team.id, appId: emu.bot.appId, botUserId: emu.bot.userId });
    const command = signer.slashCommand({
      command: '/request-access',
      text: 'readonly 1h checking INC-42',
      userId: SLACK_ALICE.id,
      userName: SLACK_ALICE.name,
      channelId: 'C0GENERAL',
      responseUrl: emu.responseUrlFor('cmd-1', { channel: 'C0GENERAL', user: SLACK_ALICE.id }),
      triggerId: emu.issueTrigger(SLACK_ALICE.id),
    });
    expect((await postToApp(`http://127.0.0.1:${h.bot.port}/slack/events`, command)).status).toBe(200);
    const slackCard = await emu.waitFor(() => emu.messages(APPROVALS_CHANNEL.id).find((m) => m.threadTs === null));
    await h.settle();
    const teamsCard = await h.card();
    expect(visible(teamsCard)).toContain('checking INC-42');

    const answer = await h.click(BOB, teamsCard, 'Approve');
    expect(visible(answer.body!.value as Record<string, unknown>)).toContain('You approved AR-1');
    await h.settle();
    await emu.waitFor(() => emu.messages(SLACK_ALICE.id).find((m) => m.text.includes('is active until')));
    await h.settle();

    expect(h.provider.count('grant')).toBe(1);
    const slackNow = emu.message(APPROVALS_CHANNEL.id, slackCard.ts)!;
    expect(JSON.stringify(slackNow.blocks)).not.toContain('request_approve');
    expect(`${slackNow.text}${JSON.stringify(slackNow.blocks)}`).toMatch(/Approved by/);
    const teamsNow = h.connector.message(APPROVALS, teamsCard.id)!;
    expect(actionsOf(cardOf(teamsNow))).toEqual([]);
    expect(visible(teamsNow)).toMatch(/Approved by/);
    expect(h.cards()).toHaveLength(1);
  });
});
