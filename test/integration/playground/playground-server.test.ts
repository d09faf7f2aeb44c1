/**
 * The playground server without a browser: what the page's API does, checked through what the page would show
 * (the state snapshot) and the demo system's state file. The bot underneath is the real one (Slack adapter,
 * core, exec provider running the bundled demo script).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../../src/config/env.ts';
import { playgroundWanted } from '../../../playground/server/start.ts';
import type { PlaygroundSnapshot, SnapshotMessage } from '../../../playground/server/snapshot.ts';
import { readDemoState } from '../../../playground/server/demo-state.ts';
import { startSlackEmulator } from '../../../playground/slack-emulator/index.ts';
import { startTestPlayground, type TestPlayground } from '../../support/playground.ts';
import { eventually } from '../../support/eventually.ts';

let pg: TestPlayground;

beforeAll(async () => {
  pg = await startTestPlayground();
});
afterAll(async () => {
  await pg?.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${pg.baseUrl}/playground/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function state(user: string): Promise<PlaygroundSnapshot> {
  const response = await fetch(`${pg.baseUrl}/playground/api/state?user=${user}`);
  expect(response.status).toBe(200);
  return (await response.json()) as PlaygroundSnapshot;
}

const blockText = (m: SnapshotMessage): string => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;

interface Button {
  action_id: string;
  value?: string;
  text: { text: string };
  style?: string;
}

function buttonNamed(m: SnapshotMessage, label: string): Button | undefined {
  for (const block of (m.blocks ?? []) as { type: string; elements?: Button[] }[]) {
    const found = block.type === 'actions' ? block.elements?.find((e) => e.text?.text === label) : undefined;
    if (found) return found;
  }
  return undefined;
}

describe('the playground server', () => {
  it('serves the page at / and the people of the example policy, with an outsider', async () => {
    const page = await fetch(`${pg.baseUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('accessbot playground');
    const s = await state('U0ALICE');
    expect(s.people.map((p) => p.name)).toEqual(expect.arrayContaining(['alice', 'bob', 'carol', 'erin', 'oscar']));
    expect(s.people.find((p) => p.name === 'bob')!.kinds).toContain('approver');
    expect(s.people.find((p) => p.name === 'oscar')!.kinds).toEqual([]);
    expect(s.conversations.map((c) => c.name)).toEqual(['approvals', 'audit', 'general', 'accessbot']);
    expect(pg.logs.join('')).toContain(`playground: open http://localhost:${pg.app.port}/`);
    const first = (await (await fetch(`${pg.baseUrl}/playground/api/state`)).json()) as PlaygroundSnapshot;
    expect(first.me).toBe('U0ALICE'); // a first visit starts as the policy's first requester
  });

  it('answers bad input with a clear 400', async () => {
    expect(await post('command', { user: 'U0ALICE', channel: 'C0GENERAL', text: 'hello' })).toMatchObject({ status: 400, json: { error: expect.stringContaining('/request-access') } });
    expect(await post('command', { user: 'U0NOBODY', channel: 'C0GENERAL', text: '/access' })).toMatchObject({ status: 400, json: { error: expect.stringContaining('no playground user') } });
    expect((await post('click', { user: 'U0ALICE' })).status).toBe(400);
  });

  it('files a command as the requester, refuses the outsider, approves as an approver and the demo system holds, then loses, the access', async () => {
    expect(await post('command', { user: 'U0ALICE', channel: 'C0GENERAL', text: '/request-access demo 6s checking the dashboard' })).toMatchObject({ status: 200 });
    const card = await eventually('the approval card', async () => (await state('U0BOB')).conversations[0]!.messages.find((m) => blockText(m).includes('AR-1')));
    expect(blockText(card)).toContain('demo');
    const alice = await state('U0ALICE');
    expect(alice.conversations.find((c) => c.name === 'general')!.private.map((p) => p.text).join('\n')).toContain('Filed AR-1');

    const approve = buttonNamed(card, 'Approve');
    expect(approve).toBeDefined();
    const click = (user: string) => post('click', { user, source: { kind: 'message', channel: 'C0APPROVALS', ts: card.ts }, action: { actionId: approve!.action_id, value: approve!.value } });

    expect((await click('U0OUTSIDER')).status).toBe(200);
    const refusal = await eventually('the outsider’s refusal', async () => (await state('U0OUTSIDER')).conversations[0]!.private[0]);
    expect(refusal.text).toMatch(/not|approver/i);
    expect(readDemoState(pg.demoStateFile).access).toEqual([]);

    expect((await click('U0BOB')).status).toBe(200);
    const updated = await eventually('the card to say approved', async () => {
      const m = (await state('U0BOB')).conversations[0]!.messages.find((x) => x.ts === card.ts);
      return m && /approved|active|granted/i.test(blockText(m)) && !buttonNamed(m, 'Approve') ? m : null;
    });
    expect(updated.edited).toBe(true);
    const held = await eventually('the demo system to hold the access', async () => readDemoState(pg.demoStateFile).access[0]);
    expect(held).toMatchObject({ who: 'alice@example.com', role: 'demo', access: { access: 'operator' } });

    await eventually('the access to be revoked at expiry', async () => readDemoState(pg.demoStateFile).history.some((h) => h.event === 'revoke') && readDemoState(pg.demoStateFile).access.length === 0, 20_000);
  }, 40_000);

  it('opens the request form for /request-access and files what the form says', async () => {
    expect((await post('command', { user: 'U0DAVE', channel: 'C0GENERAL', text: '/request-access' })).status).toBe(200);
    const modal = await eventually('the form', async () => (await state('U0DAVE')).modal);
    const blocks = modal.blocks as { type: string; block_id: string; element?: { type: string; action_id: string; options?: { value: string; text: { text: string } }[] } }[];
    const values: Record<string, Record<string, unknown>> = {};
    for (const block of blocks.filter((b) => b.type === 'input')) {
      const element = block.element!;
      if (element.type === 'static_select') {
        const option = element.options!.find((o) => o.value === 'demo') ?? element.options![0]!;
        values[block.block_id] = { [element.action_id]: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: option.text.text, emoji: true }, value: option.value } } };
      } else if (element.type === 'plain_text_input') {
        values[block.block_id] = { [element.action_id]: { type: 'plain_text_input', value: /duration/i.test(block.block_id) ? '10m' : /ticket/i.test(block.block_id) ? null : 'from the form' } };
      } else if (element.type === 'checkboxes') {
        values[block.block_id] = { [element.action_id]: { type: 'checkboxes', selected_options: [] } };
      }
    }
    const submitted = await post('submit', { user: 'U0DAVE', viewId: modal.id, values });
    expect(submitted).toMatchObject({ status: 200, json: { errors: null } });
    expect((await state('U0DAVE')).modal).toBeNull();
    await eventually('the second card', async () => (await state('U0DAVE')).conversations[0]!.messages.find((m) => blockText(m).includes('AR-2') && blockText(m).includes('dave')));
  });

  it('publishes App Home when it is opened: an approver sees what waits for their review', async () => {
    expect((await post('home', { user: 'U0BOB' })).status).toBe(200);
    const home = await eventually('App Home', async () => (await state('U0BOB')).home);
    expect(JSON.stringify(home.blocks)).toContain('Waiting for your review');
    expect(JSON.stringify(home.blocks)).toContain('AR-2');

    // Its "Request access" button opens the form, as a click in a view does in Slack.
    const open = JSON.stringify(home.blocks).includes('request_open_modal');
    expect(open).toBe(true);
    expect((await post('click', { user: 'U0BOB', source: { kind: 'view', viewId: home.id }, action: { actionId: 'request_open_modal', value: 'new' } })).status).toBe(200);
    const modal = await eventually('the form from App Home', async () => (await state('U0BOB')).modal);
    expect(JSON.stringify(modal.blocks)).toContain('Reason');
    expect((await post('close', { user: 'U0BOB', viewId: modal.id })).status).toBe(200);
    expect((await state('U0BOB')).modal).toBeNull();
  });
});

describe('when the playground starts', () => {
  const base = { ACCESSBOT_DB: '/tmp/x.db' };
  it('starts with no chat credentials, never with them, and not when ACCESSBOT_PLAYGROUND=0', () => {
    expect(playgroundWanted(loadEnv(base), base)).toBe(true);
    const slack = { ...base, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
    expect(playgroundWanted(loadEnv(slack), { ...slack, ACCESSBOT_PLAYGROUND: '1' })).toBe(false);
    const teams = { ...base, TEAMS_EMULATOR: '1' };
    expect(playgroundWanted(loadEnv(teams), teams)).toBe(false);
    expect(playgroundWanted(loadEnv(base), { ...base, ACCESSBOT_PLAYGROUND: '0' })).toBe(false);
    expect(() => playgroundWanted(loadEnv(base), { ...base, ACCESSBOT_PLAYGROUND: 'yes' })).toThrow(/ACCESSBOT_PLAYGROUND must be 0/);
  });

  it('stops promptly while a page is open: its event stream is ended, not waited for', async () => {
    const open = await startTestPlayground();
    const response = await fetch(`${open.baseUrl}/playground/api/events`);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('event: change');
    const ended = (async () => {
      while (!(await reader.read()).done);
    })();
    await open.close();
    await ended; // the stream ended; close() did not hang on it
  });

  it('ACCESSBOT_PLAYGROUND=0: no playground, and / answers a small JSON status instead of an HTML error page', async () => {
    const off = await startTestPlayground({ env: { ACCESSBOT_PLAYGROUND: '0' } });
    try {
      expect(off.playground).toBeNull();
      const response = await fetch(`${off.baseUrl}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await response.json()).toEqual({ service: 'accessbot', platforms: [], health: '/healthz', metrics: '/metrics' });
      expect((await fetch(`${off.baseUrl}/playground/api/state?user=U0ALICE`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });

  it('with Slack credentials it never starts (even with ACCESSBOT_PLAYGROUND=1), and / is the JSON status', async () => {
    const slack = await startSlackEmulator();
    const real = await startTestPlayground({ env: { SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: 'a-signing-secret', SLACK_API_URL: slack.url, ACCESSBOT_PLAYGROUND: '1' } });
    try {
      expect(real.playground).toBeNull();
      const response = await fetch(`${real.baseUrl}/`);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await response.json()).toMatchObject({ service: 'accessbot', platforms: ['slack'] });
      expect(real.logs.join('')).not.toContain('playground: open');
    } finally {
      await real.close();
      await slack.close();
    }
  });
});
