/**
 * Issue 12, item 9, with real `accessbot serve` processes (SQLite, a live webhook target, the Slack emulator):
 * a restart with an invalid policy file no longer stops revocation. The bot starts on the last good policy kept
 * in the database, revokes a live grant when it expires, refuses new requests with a clear answer, tells the
 * audit channel once and reports degraded on /healthz — until the file is fixed, which the file watcher picks up.
 * With no good policy kept, an invalid file still stops the start with its problems.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postToApp, SlackRequestSigner, startSlackEmulator, type EmulatedUser, type SlackEmulator } from '../../../playground/slack-emulator/index.ts';
import { openSqliteStore } from '../../../db/store/open.ts';
import { killRunning, serve, startTarget, type Serve, type Target } from '../../support/serve-process.ts';
import { eventually as until } from '../../support/eventually.ts';

const SIGNING_SECRET = 'last-good-policy-test-signing-secret';
const HOOK_SECRET = 'a-very-long-test-secret-123';
const ALICE: EmulatedUser = { id: 'U0ALICE', name: 'alice', email: 'alice@example.com' };
const BOB: EmulatedUser = { id: 'U0BOB', name: 'bob', email: 'bob@example.com' };
const INTAKE_CLOSED = 'The policy file is invalid; accessbot keeps revoking but takes no new requests until it is fixed.';

/** deploy is auto-approved (so a grant needs no click); `broken` makes max_duration unreadable; `note` changes the bytes. */
function policyText(hookUrl: string, options: { broken?: boolean; note?: string } = {}): string {
  return `# accessbot policy${options.note ? ` (${options.note})` : ''}
version: 1
min_duration: 5s
channels:
  approvals: { slack: C0APPROVALS }
  audit: { slack: C0AUDIT }
resources:
  hook: { provider: webhook, url: "${hookUrl}", secret: env:HOOK_SECRET }
roles:
  deploy:
    resource: hook
    requesters: [alice@example.com]
    approvers: [bob@example.com]
    max_duration: ${options.broken ? 'banana' : '2h'}
    auto_approve: { max_duration: 2h }
`;
}

let target: Target | null = null;
let emulator: SlackEmulator | null = null;

afterEach(async () => {
  await killRunning();
  await target?.close();
  await emulator?.close();
  target = emulator = null;
});

function env(policyPath: string, dbPath: string): Record<string, string> {
  return {
    ACCESSBOT_DB: dbPath,
    ACCESSBOT_POLICY: policyPath,
    HOOK_SECRET,
    // Kept policies are signed with the audit key, as in production.
    ACCESSBOT_AUDIT_KEY: 'cd'.repeat(32),
    PORT: '0',
    LOG_LEVEL: 'info',
    SLACK_BOT_TOKEN: emulator!.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: emulator!.url,
  };
}

async function startBot(policyPath: string, dbPath: string): Promise<{ serve: Serve; port: number }> {
  const bot = serve(env(policyPath, dbPath), { guardMs: 120_000 });
  await Promise.race([bot.serving, bot.exited.then(() => Promise.reject(new Error(`serve exited: ${bot.stderr()}`)))]);
  return { serve: bot, port: Number(bot.logs.find((l) => l.msg === 'accessbot is serving')?.port) };
}

const signer = new SlackRequestSigner({ signingSecret: SIGNING_SECRET });
let commands = 0;

/** `/request-access deploy DURATION REASON` from alice; resolves with the private answer she gets. */
async function requestDeploy(port: number, text: string): Promise<string> {
  const id = `cmd-${++commands}`;
  const responseUrl = emulator!.responseUrlFor(id, { channel: 'C0GENERAL', user: ALICE.id });
  const response = await postToApp(`http://127.0.0.1:${port}/slack/events`, signer.slashCommand({ userId: ALICE.id, command: '/request-access', text: `deploy ${text}`, responseUrl }));
  expect(response.status).toBe(200);
  const answer = await until('the answer', async () => emulator!.ephemerals.find((e) => e.responseUrlId === id));
  return answer.text + JSON.stringify(answer.blocks ?? []);
}

async function health(port: number): Promise<{ status: string; policy: string }> {
  return (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string; policy: string };
}

async function requestsFiled(dbPath: string): Promise<number> {
  const store = openSqliteStore(dbPath, { migrate: false });
  try {
    return (await auditActions(store)).filter((a) => a === 'request.created').length;
  } finally {
    await store.close();
  }
}

async function auditActions(store: ReturnType<typeof openSqliteStore>): Promise<string[]> {
  const out: string[] = [];
  for await (const row of store.auditRows()) out.push(row.action);
  return out;
}

const auditPosts = () => emulator!.messages('C0AUDIT').map((m) => JSON.stringify(m.blocks ?? m.text));

describe('a restart with an invalid policy file', () => {
  it('runs on the last good policy: revokes on time, refuses new requests, degraded until the file is fixed', async () => {
    target = await startTarget();
    emulator = await startSlackEmulator({ users: [ALICE, BOB], channels: [{ id: 'C0APPROVALS', name: 'access-approvals' }, { id: 'C0AUDIT', name: 'access-audit' }, { id: 'C0GENERAL', name: 'general' }] });
    const folder = mkdtempSync(join(tmpdir(), 'accessbot-last-good-'));
    const policyPath = join(folder, 'accessbot.yaml');
    const dbPath = join(folder, 'accessbot.db');
    writeFileSync(policyPath, policyText(target.url));

    // A valid start; alice's access is granted at the target for 20 seconds: long enough for the restart below
    // (a few seconds even on a loaded machine) to come before it ends, so the revoke is the restarted bot's timer.
    const first = await startBot(policyPath, dbPath);
    expect(await requestDeploy(first.port, '20s hotfix')).toContain('AR-1');
    await until('the grant at the target', async () => target!.events.find((e) => e.event === 'grant'));
    const grantedAt = Date.now();
    first.serve.kill('SIGTERM');
    expect(await first.serve.exited, first.serve.stderr()).toMatchObject({ code: 0 });

    // The file breaks while the bot is down. It starts anyway, on the last good policy.
    writeFileSync(policyPath, policyText(target.url, { broken: true }));
    const second = await startBot(policyPath, dbPath);
    expect(second.serve.logs.find((l) => l.msg?.startsWith('the policy file is invalid: running on the last good policy'))).toBeTruthy();
    expect(await health(second.port)).toMatchObject({ status: 'degraded', policy: 'invalid_file_running_last_good' });
    await until('the audit channel told', async () => auditPosts().some((p) => p.includes('is invalid, so') && p.includes('roles.deploy.max_duration')));

    // New requests are refused, clearly, and nothing is filed.
    expect(await requestDeploy(second.port, '30m another')).toContain(INTAKE_CLOSED);
    expect(await requestsFiled(dbPath)).toBe(1);

    // The live grant is revoked at the target when it expires, by the bot on the last good policy.
    const revoke = await until('the revoke at the target', async () => target!.events.find((e) => e.event === 'revoke'), 60_000);
    expect(revoke.at).toBeGreaterThanOrEqual(grantedAt + 20_000 - 1_000);
    expect(await health(second.port)).toMatchObject({ status: 'degraded' });
    expect(auditPosts().filter((p) => p.includes('is invalid, so'))).toHaveLength(1);

    // Fixing the file: the watcher loads it, the degraded state clears and requests are taken again.
    writeFileSync(policyPath, policyText(target.url, { note: 'fixed' }));
    await until('healthy again', async () => (await health(second.port)).status === 'ok');
    expect(await health(second.port)).toMatchObject({ status: 'ok', policy: 'ok' });
    expect(await requestDeploy(second.port, '30m after the fix')).toContain('AR-2');
    await until('the audit channel told it is fixed', async () => auditPosts().some((p) => p.includes('is valid again')));

    second.serve.kill('SIGTERM');
    expect(await second.serve.exited, second.serve.stderr()).toMatchObject({ code: 0 });
  }, 150_000);

  it('still stops the start with the file\'s problems when no good policy was ever kept', async () => {
    emulator = await startSlackEmulator({ users: [ALICE], channels: [{ id: 'C0GENERAL', name: 'general' }] });
    const folder = mkdtempSync(join(tmpdir(), 'accessbot-last-good-'));
    const policyPath = join(folder, 'accessbot.yaml');
    writeFileSync(policyPath, policyText('http://127.0.0.1:9/none', { broken: true }));
    const bot = serve(env(policyPath, join(folder, 'accessbot.db')));
    const exited = await bot.exited;
    expect(exited.code).not.toBe(0);
    expect(bot.stderr()).toContain('roles.deploy.max_duration');
    expect(bot.logs.some((l) => l.msg === 'accessbot is serving')).toBe(false);
  }, 60_000);
});
