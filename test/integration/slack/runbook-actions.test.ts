/**
 * Runbook actions through Slack (issue 15): only the holder of an active grant runs its role's actions — by
 * `/access run` or a button in their DM / App Home; each run is audited, its output shown to the holder only,
 * one line goes to the card's thread. Confirm dialogs, time-outs, the output cap, one run per grant at a time,
 * and a run in flight stopped when the access ends.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../db/store/open.ts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyAccessbotSignature } from '../../../src/providers/webhook-signature.ts';
import { buildDigest } from '../../../src/audit/digest.ts';
import { formatDigest } from '../../../src/audit/digest-format.ts';
import { readDetails } from '../../../src/audit/events.ts';
import type { ActionDef } from '../../../src/domain/policy.ts';
import { role } from '../../support/policy-fixture.ts';
import { ALICE, APPROVALS_CHANNEL, BOB, buttons, slackTestPolicy, SlackHarness, visible } from './harness.ts';
import { asRequestId } from '../../../src/domain/request-id.ts';

const M = 60_000;
const node = process.execPath;

function action(name: string, script: string, extra: Partial<ActionDef> = {}): ActionDef {
  return { name, description: `Does ${name}`, run: [node, '-e', script], timeoutMs: 10_000, confirm: false, ...extra };
}

const PID_DIR = mkdtempSync(join(tmpdir(), 'accessbot-run-'));

const ACTIONS: Record<string, ActionDef> = {
  'restart-api': action('restart-api', `console.log('deployment.apps/api restarted by ' + process.env.ACCESSBOT_RUN_BY + ' for ' + process.env.ACCESSBOT_REQUEST_ID + ', PATH ' + (process.env.PATH ?? 'unset'))`),
  'flush-cache': action('flush-cache', `console.log('flushed <!channel>')`, { confirm: true }),
  slow: action('slow', `setTimeout(() => {}, 30000)`, { timeoutMs: 1_000 }),
  chatty: action('chatty', `process.stdout.write('y'.repeat(200000)); process.stderr.write('warn: big')`),
  long: action('long', `console.log('started'); setTimeout(() => {}, 30000)`, { timeoutMs: 60_000 }),
  pidfile: action('pidfile', `require('fs').writeFileSync(${JSON.stringify(join(PID_DIR, 'pid'))}, String(process.pid)); setTimeout(() => {}, 30000)`, { timeoutMs: 60_000 }),
  broken: action('broken', `console.error('boom'); process.exit(3)`),
};

const HOOK_SECRET = 'action-hook-secret-0123456789abcdef';
let hook: Server;
let hookUrl = '';
const hookCalls: { verified: boolean; body: Record<string, unknown> }[] = [];
beforeAll(async () => {
  hook = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const verified = verifyAccessbotSignature(HOOK_SECRET, req.headers['x-accessbot-timestamp'] as string, req.headers['x-accessbot-signature'] as string, raw, Date.now() / 1000);
      hookCalls.push({ verified, body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(verified ? 200 : 401, { 'content-type': 'text/plain' });
      res.end(verified ? 'paged the on-call <!channel>' : 'bad signature');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/actions`;
});
afterAll(async () => new Promise((resolve) => hook.close(resolve)));

function policy() {
  const base = slackTestPolicy();
  ACTIONS['page-oncall'] = { name: 'page-oncall', description: 'Page the on-call', run: [], webhook: 'pager', timeoutMs: 5_000, confirm: false };
  const requesters = new Set(['alice@example.com', 'bob@example.com']);
  const approvers = new Set(['alice@example.com', 'bob@example.com']);
  const oncall = role('oncall', { requesters, approvers, autoApprove: { maxDurationMs: 30 * M }, actions: ACTIONS });
  const oncallB = role('oncall-b', { requesters, approvers, autoApprove: { maxDurationMs: 30 * M }, actions: { 'restart-api': ACTIONS['restart-api']! } });
  return { ...base, resources: { ...base.resources, pager: { name: 'pager', provider: 'webhook', settings: { url: hookUrl, secret: HOOK_SECRET } } }, roles: { ...base.roles, oncall, 'oncall-b': oncallB } };
}

let h: SlackHarness;
beforeEach(async () => {
  h = await SlackHarness.start({ policy: policy() });
});
afterEach(async () => h.close());

async function aliceOnCall(): Promise<void> {
  await h.command(ALICE, '/request-access', 'oncall 20m INC-7 api is down');
  await h.emu.waitFor(() => h.dms(ALICE).find((m) => m.text.includes('is active until')));
  await h.settle();
}

/** The next private answer to `user` that matches. */
const answer = (user: typeof ALICE, pattern: RegExp) => h.emu.waitFor(() => h.ephemeralsFor(user).find((e) => pattern.test(visible(e))), 15_000);

async function runs() {
  const found = [];
  for await (const row of h.bot.ctx.store.auditRows()) if (row.action === 'action.ran') found.push({ actor: row.actor, requestId: row.requestId, grantId: row.grantId, ...readDetails('action.ran', row.details) });
  return found;
}

/** Wait until the card's thread has a reply matching `pattern`. */
async function threadReply(pattern: RegExp): Promise<string> {
  const card = await h.card();
  return (await h.emu.waitFor(() => h.emu.thread(APPROVALS_CHANNEL.id, card.ts).find((m) => pattern.test(m.text)), 5_000)).text;
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe('runbook actions from Slack', () => {
  it('the holder runs one: output privately, an audit row, a line in the thread; someone else cannot', async () => {
    await h.command(ALICE, '/access', 'run restart-api');
    expect(visible(await answer(ALICE, /only while you hold active access/))).toContain('"oncall"');

    await aliceOnCall();
    await h.command(BOB, '/access', 'run restart-api');
    expect(visible(await answer(BOB, /only while you hold active access/))).toBeTruthy();
    await h.command(BOB, '/access', 'run restart-api AR-1');
    expect(visible(await answer(BOB, /Only the holder of AR-1 can run its actions/))).toBeTruthy();

    await h.command(ALICE, '/access', 'run restart-api');
    const ran = visible(await answer(ALICE, /restart-api.*on AR-1 succeeded/));
    // PATH comes from the bot's configured env (the harness sets none), not from this test process's.
    expect(ran).toContain('deployment.apps/api restarted by alice@example.com for AR-1, PATH unset');
    expect(h.ephemeralsFor(BOB).some((e) => visible(e).includes('deployment.apps'))).toBe(false);

    await h.settle();
    expect(await threadReply(/ran \*restart-api\*: succeeded after/)).toMatch(/^▶️ <@U0ALICE> ran \*restart-api\*: succeeded after \d+ ms\.$/);
    const [row] = await runs();
    expect(row).toMatchObject({ actor: 'alice@example.com', requestId: 1, action: 'restart-api', role: 'oncall', outcome: 'succeeded', exit_code: 0, output_truncated: false });
    expect(row!.output_bytes).toBeGreaterThan(40);
    expect(row!.excerpt).toContain('deployment.apps/api restarted');
    expect(row!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(row!.grantId).toBe((await h.bot.ctx.store.grantOfRequest(asRequestId(1)))!.id);

    // A webhook action: one POST signed like the webhook provider's; the answer is the output.
    await h.command(ALICE, '/access', 'run page-oncall');
    expect(visible(await answer(ALICE, /page-oncall.*on AR-1 succeeded/))).toContain('paged the on-call &lt;!channel&gt;');
    expect(hookCalls.at(-1)).toMatchObject({ verified: true, body: { event: 'action', action: 'page-oncall', request_id: 'AR-1', role: 'oncall', run_by: 'alice@example.com' } });

    // A failing one says how it ended, with its output.
    await h.command(ALICE, '/access', 'run broken');
    expect(visible(await answer(ALICE, /broken.*failed \(exit 3\)/))).toContain('boom');

    // The digest's line for the grant lists the runs.
    const now = h.clock.now();
    const digest = formatDigest(await buildDigest(h.bot.ctx.store, { since: now - 3_600_000, until: now + 3_600_000, timezone: 'UTC' }), 'markdown');
    expect(digest).toContain('actions run: restart-api: succeeded, page-oncall: succeeded, broken: failed');
  });

  it('buttons in the holder’s DM and App Home; a confirm: true action asks first (Slack’s confirm dialog)', async () => {
    await aliceOnCall();
    const dm = h.dms(ALICE).find((m) => m.text.includes('is active until'))!;
    expect(buttons(dm.blocks)).toEqual(expect.arrayContaining(['grant_revoke', 'grant_run_action.1.restart-api', 'grant_run_action.1.flush-cache']));
    const elements = (dm.blocks as { elements?: { value?: string; confirm?: { title: { text: string }; text: { text: string } } }[] }[]).flatMap((b) => b.elements ?? []);
    const flush = elements.find((e) => e.value === '1:flush-cache')!;
    expect(flush.confirm).toMatchObject({ title: { text: 'Run flush-cache?' }, text: { text: 'Does flush-cache' } });
    expect(elements.find((e) => e.value === '1:restart-api')!.confirm).toBeUndefined();

    // Typed, it answers with a question and a button; that button runs it.
    await h.command(ALICE, '/access', 'run flush-cache');
    const question = await answer(ALICE, /Run `?flush-cache`? on/);
    expect(await runs()).toEqual([]);
    expect(JSON.stringify(question.blocks)).toContain('"action_id":"grant_run_action.1.flush-cache"');
    await h.clickOnMessage(ALICE, 'grant_run_action.1.flush-cache', '1:flush-cache', { channel: 'C0GENERAL', ts: question.ts });
    const ran = visible(await answer(ALICE, /flush-cache.*succeeded/));
    expect(ran).toContain('flushed &lt;!channel&gt;'); // its output is text, never a ping
    expect(ran).not.toContain('<!channel>');

    // Bob clicking Alice's button is refused.
    await h.clickOnMessage(BOB, 'grant_run_action.1.restart-api', '1:restart-api', dm);
    await answer(BOB, /Only the holder of AR-1 can run its actions/);

    await h.openHome(ALICE);
    const home = await h.emu.waitFor(() => h.emu.homeView(ALICE.id));
    expect(JSON.stringify(home.blocks)).toContain('"value":"1:restart-api"');
  });

  it('time-out, output cap, one run per grant at a time, and a run in flight stops when the access ends', async () => {
    await aliceOnCall();
    await h.command(ALICE, '/access', 'run slow');
    await answer(ALICE, /slow.*timed out after/);

    await h.command(ALICE, '/access', 'run chatty');
    const chatty = visible(await answer(ALICE, /chatty.*succeeded/));
    expect(chatty).toMatch(/Output was cut at 64 KB of 195 KB/);
    expect(chatty).toContain('warn: big');
    const capped = (await runs()).find((r) => r.action === 'chatty')!;
    expect(capped).toMatchObject({ output_truncated: true, output_bytes: 200_009 });
    expect(capped.excerpt!.length).toBeLessThanOrEqual(500);

    await h.command(ALICE, '/access', 'run long');
    await until(async () => (await h.bot.ctx.store.kvList('action-run:')).length === 1);
    await h.command(ALICE, '/access', 'run long');
    await answer(ALICE, /"long" is already running for AR-1/);

    await h.command(ALICE, '/access', 'revoke AR-1 done');
    expect(visible(await answer(ALICE, /long.*stopped: the access ended/))).toContain('started');
    await h.settle();
    expect((await runs()).find((r) => r.action === 'long')).toMatchObject({ outcome: 'stopped: the access ended' });

    // Ended access: no more runs.
    await h.command(ALICE, '/access', 'run restart-api AR-1');
    await answer(ALICE, /AR-1 is not active any more/);
  });

  it('with several active grants that have the action, asks which (or takes the one named)', async () => {
    await aliceOnCall();
    await h.command(ALICE, '/request-access', 'oncall-b 20m INC-7 second cluster');
    await h.emu.waitFor(() => h.dms(ALICE).filter((m) => m.text.includes('is active until'))[1]);
    await h.settle();
    await h.command(ALICE, '/access', 'run restart-api');
    const question = await answer(ALICE, /several active grants/);
    expect(buttons(question.blocks)).toEqual(['grant_run_action.1.restart-api', 'grant_run_action.2.restart-api']);
    expect(await runs()).toEqual([]);
    await h.clickOnMessage(ALICE, 'grant_run_action.2.restart-api', '2:restart-api', { channel: 'C0GENERAL', ts: question.ts });
    expect(visible(await answer(ALICE, /restart-api.*on AR-2 succeeded/))).toContain('for AR-2');
    await h.command(ALICE, '/access', 'run restart-api AR-1');
    expect(visible(await answer(ALICE, /restart-api.*on AR-1 succeeded/))).toContain('for AR-1');
  });

  it('a run in flight at shutdown is stopped and recorded, not left running', async () => {
    const dir = PID_DIR;
    await aliceOnCall();
    await h.command(ALICE, '/access', 'run pidfile');
    await until(async () => existsSync(join(dir, 'pid')));
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    const location = h.bot.ctx.store.location;
    await h.bot.stop();
    const alive = (() => {
      try {
        process.kill(pid, 0);
        return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    })();
    expect(alive).toBe(false);
    const store = openSqliteStore(location);
    try {
      const found = [];
      for await (const row of store.auditRows()) if (row.action === 'action.ran') found.push(readDetails('action.ran', row.details));
      expect(found).toEqual([expect.objectContaining({ action: 'pidfile', outcome: 'stopped: accessbot shut down' })]);
      expect(await store.kvList('action-run:')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('an expired holder cannot run actions', async () => {
    await aliceOnCall();
    h.clock.advance(21 * M);
    await h.bot.scheduler.runOnce();
    await h.settle();
    expect((await h.bot.ctx.store.grantOfRequest(asRequestId(1)))!.status).not.toBe('active');
    await h.command(ALICE, '/access', 'run restart-api AR-1');
    await answer(ALICE, /AR-1 is not active any more/);
    await h.command(ALICE, '/access', 'run restart-api');
    await answer(ALICE, /only while you hold active access/);
    expect(await runs()).toEqual([]);
  });
});
