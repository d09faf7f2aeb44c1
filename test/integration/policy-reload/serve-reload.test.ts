/**
 * Reloading the policy of a real `accessbot serve` process (SQLite, a live webhook target and the Slack
 * emulator on 127.0.0.1), through a changed file and through SIGHUP:
 * - a valid file is put in force: audited as `policy.loaded` with the file's sha256 and what changed, and the
 *   summary is posted to the audit channel; decisions before it record the old hash, decisions after it the new
 *   one, and follow the new rules;
 * - an invalid file changes nothing: logged, posted to the audit channel, decisions go on under the old hash.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postToApp, SlackRequestSigner, startSlackEmulator, type EmulatedUser, type SlackEmulator } from '../../../playground/slack-emulator/index.ts';
import { openSqliteStore } from '../../../db/store/open.ts';
import { killRunning, serve, startTarget, type Serve, type Target } from '../../support/serve-process.ts';
import { eventually as until } from '../../support/eventually.ts';

const SIGNING_SECRET = 'policy-reload-test-signing-secret';
const HOOK_SECRET = 'a-very-long-test-secret-123';
const ALICE: EmulatedUser = { id: 'U0ALICE', name: 'alice', email: 'alice@example.com' };
const CAROL: EmulatedUser = { id: 'U0CAROL', name: 'carol', email: 'carol@example.com' };
const DAVE: EmulatedUser = { id: 'U0DAVE', name: 'dave', email: 'dave@example.com' };
const BOB: EmulatedUser = { id: 'U0BOB', name: 'bob', email: 'bob@example.com' };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** v1: deploy needs bob's approval. v2 (`autoApprove`): deploy is auto-approved up to 2h, carol approves too. */
function policyText(hookUrl: string, options: { autoApprove?: boolean; broken?: boolean } = {}): string {
  return `# accessbot policy
version: 1
channels:
  approvals: { slack: C0APPROVALS }
  audit: { slack: C0AUDIT }
resources:
  hook: { provider: webhook, url: "${hookUrl}", secret: env:HOOK_SECRET }
roles:
  deploy:
    resource: hook
    requesters: [alice@example.com, carol@example.com, dave@example.com]
    approvers: [bob@example.com${options.autoApprove ? ', carol@example.com' : ''}]
    max_duration: ${options.broken ? 'banana' : '2h'}
${options.autoApprove ? '    auto_approve: { max_duration: 2h }\n' : ''}`;
}

interface AuditEntry {
  action: string;
  actor: string;
  details: Record<string, unknown>;
}

let target: Target | null = null;
let emulator: SlackEmulator | null = null;

afterEach(async () => {
  await killRunning();
  await target?.close();
  await emulator?.close();
  target = emulator = null;
});

interface Bot {
  serve: Serve;
  dbPath: string;
  port: number;
  signer: SlackRequestSigner;
}

async function startBot(policyPath: string, dbPath: string): Promise<Bot> {
  emulator = await startSlackEmulator({ users: [ALICE, BOB, CAROL, DAVE], channels: [{ id: 'C0APPROVALS', name: 'access-approvals' }, { id: 'C0AUDIT', name: 'access-audit' }, { id: 'C0GENERAL', name: 'general' }] });
  const bot = serve({
    ACCESSBOT_DB: dbPath,
    ACCESSBOT_POLICY: policyPath,
    HOOK_SECRET,
    PORT: '0',
    LOG_LEVEL: 'info',
    SLACK_BOT_TOKEN: emulator.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: emulator.url,
  }, { guardMs: 90_000 });
  await bot.serving;
  const port = Number(bot.logs.find((l) => l.msg === 'accessbot is serving')?.port);
  return { serve: bot, dbPath, port, signer: new SlackRequestSigner({ signingSecret: SIGNING_SECRET }) };
}

async function requestDeploy(bot: Bot, user: EmulatedUser, reason: string): Promise<void> {
  const id = `cmd-${user.id}-${Date.now()}`;
  const responseUrl = emulator!.responseUrlFor(id, { channel: 'C0GENERAL', user: user.id });
  const response = await postToApp(`http://127.0.0.1:${bot.port}/slack/events`, bot.signer.slashCommand({ userId: user.id, command: '/request-access', text: `deploy 1h ${reason}`, responseUrl }));
  expect(response.status).toBe(200);
}

/** The audit log, read as an onlooker while the bot runs. */
async function audit(dbPath: string): Promise<AuditEntry[]> {
  const store = openSqliteStore(dbPath, { migrate: false });
  try {
    const rows: AuditEntry[] = [];
    for await (const row of store.auditRows()) rows.push({ action: row.action, actor: row.actor, details: JSON.parse(row.details) as Record<string, unknown> });
    return rows;
  } finally {
    await store.close();
  }
}

/** Each decision as `action requester-or-actor hash`, in order. */
async function decisions(dbPath: string): Promise<string[]> {
  return (await audit(dbPath)).filter((r) => typeof r.details.policy_hash === 'string').map((r) => `${r.action} ${r.details.policy_hash as string}`);
}

const loadedEvents = async (dbPath: string) => (await audit(dbPath)).filter((r) => r.action === 'policy.loaded').map((r) => r.details);
const auditPosts = () => emulator!.messages('C0AUDIT').map((m) => JSON.stringify(m.blocks ?? m.text));

describe('policy reload in a real serve process', () => {
  it('on a file change: valid → in force, audited and posted; invalid → kept, logged and posted', async () => {
    target = await startTarget();
    const folder = mkdtempSync(join(tmpdir(), 'accessbot-reload-'));
    const policyPath = join(folder, 'accessbot.yaml');
    const dbPath = join(folder, 'accessbot.db'); // in the watched directory: its writes are not the policy
    const v1 = policyText(target.url);
    const v2 = policyText(target.url, { autoApprove: true });
    writeFileSync(policyPath, v1);
    const bot = await startBot(policyPath, dbPath);

    // The start records the policy it runs under.
    expect(await until('policy.loaded at start', async () => (await loadedEvents(dbPath)).length > 0 && loadedEvents(dbPath))).toMatchObject([{ hash: sha256(v1), previous_hash: null, trigger: 'start' }]);
    await requestDeploy(bot, ALICE, 'before the change');
    await until('alice filed', async () => (await decisions(dbPath)).length === 1);

    // An editor's save: the new file is written next to it and renamed over it.
    writeFileSync(join(folder, '.accessbot.yaml.swp'), v2);
    renameSync(join(folder, '.accessbot.yaml.swp'), policyPath);
    const loaded = await until('the new policy in force', async () => (await loadedEvents(dbPath)).find((e) => e.hash === sha256(v2)));
    expect(loaded).toMatchObject({
      previous_hash: sha256(v1),
      trigger: 'file change',
      path: policyPath,
      roles_changed: ['deploy'],
      changes: ['role deploy: approvers +carol@example.com; auto_approve off → up to 2h'],
    });
    await until('the summary in the audit channel', async () => auditPosts().some((p) => p.includes('Policy loaded') && p.includes('auto_approve off → up to 2h')));

    // Under the new rules carol's request is auto-approved, and says which policy allowed it.
    await requestDeploy(bot, CAROL, 'after the change');
    await until('carol granted', async () => (await decisions(dbPath)).length === 3);

    // A broken file, saved in place: nothing changes, and the audit channel hears why.
    writeFileSync(policyPath, policyText(target.url, { autoApprove: true, broken: true }));
    await until('the problem logged', async () => bot.serve.logs.find((l) => l.msg === 'the policy file has problems; keeping the current policy'));
    await until('the problem posted', async () => auditPosts().some((p) => p.includes('Policy change rejected') && p.includes('roles.deploy.max_duration')));
    expect(bot.serve.logs.find((l) => l.msg === 'the policy file has problems; keeping the current policy')).toMatchObject({ kept: sha256(v2), trigger: 'file change' });
    await requestDeploy(bot, DAVE, 'after the broken save');
    await until('dave granted', async () => (await decisions(dbPath)).length === 5);

    expect(await decisions(dbPath)).toEqual([
      `request.created ${sha256(v1)}`,
      `request.created ${sha256(v2)}`,
      `grant.created ${sha256(v2)}`,
      `request.created ${sha256(v2)}`,
      `grant.created ${sha256(v2)}`,
    ]);
    expect((await loadedEvents(dbPath)).map((e) => e.hash)).toEqual([sha256(v1), sha256(v2)]);

    bot.serve.kill('SIGTERM');
    expect(await bot.serve.exited, bot.serve.stderr()).toMatchObject({ code: 0, signal: null });
  }, 90_000);

  it('on SIGHUP: valid → in force and audited; invalid → kept and posted; the process keeps serving', async () => {
    target = await startTarget();
    // The policy behind a symlink in another directory: only SIGHUP (or the slow stat poll) sees its edits.
    const real = join(mkdtempSync(join(tmpdir(), 'accessbot-reload-real-')), 'policy.yaml');
    const folder = mkdtempSync(join(tmpdir(), 'accessbot-reload-'));
    const policyPath = join(folder, 'accessbot.yaml');
    const v1 = policyText(target.url);
    const v2 = policyText(target.url, { autoApprove: true });
    writeFileSync(real, v1);
    symlinkSync(real, policyPath);
    const bot = await startBot(policyPath, join(folder, 'accessbot.db'));
    const dbPath = bot.dbPath;
    await until('policy.loaded at start', async () => (await loadedEvents(dbPath)).length > 0);

    await requestDeploy(bot, ALICE, 'under v1');
    await until('alice filed', async () => (await decisions(dbPath)).length === 1);

    writeFileSync(real, v2);
    bot.serve.kill('SIGHUP');
    const loaded = await until('the new policy in force', async () => (await loadedEvents(dbPath)).find((e) => e.hash === sha256(v2)));
    expect(loaded).toMatchObject({ previous_hash: sha256(v1), trigger: 'SIGHUP', roles_changed: ['deploy'] });
    expect(bot.serve.logs.some((l) => l.msg === 'signal received: reloading the policy')).toBe(true);
    await until('the summary in the audit channel', async () => auditPosts().some((p) => p.includes('Policy loaded') && p.includes('(SIGHUP)')));
    await requestDeploy(bot, CAROL, 'under v2');
    await until('carol granted', async () => (await decisions(dbPath)).length === 3);

    writeFileSync(real, policyText(target.url, { autoApprove: true, broken: true }));
    bot.serve.kill('SIGHUP');
    await until('the problem posted', async () => auditPosts().some((p) => p.includes('Policy change rejected') && p.includes('roles.deploy.max_duration')));
    expect(bot.serve.logs.find((l) => l.msg === 'the policy file has problems; keeping the current policy')).toMatchObject({ kept: sha256(v2), trigger: 'SIGHUP' });
    await requestDeploy(bot, DAVE, 'still under v2');
    await until('dave granted', async () => (await decisions(dbPath)).length === 5);

    expect(await decisions(dbPath)).toEqual([
      `request.created ${sha256(v1)}`,
      `request.created ${sha256(v2)}`,
      `grant.created ${sha256(v2)}`,
      `request.created ${sha256(v2)}`,
      `grant.created ${sha256(v2)}`,
    ]);
    expect((await loadedEvents(dbPath)).map((e) => [e.hash, e.trigger])).toEqual([
      [sha256(v1), 'start'],
      [sha256(v2), 'SIGHUP'],
    ]);
    bot.serve.kill('SIGTERM');
    expect(await bot.serve.exited, bot.serve.stderr()).toMatchObject({ code: 0, signal: null });
  }, 90_000);
});
