/**
 * Activity reported in a revoke's answer (issue 15): `{"activity": [...]}` in a webhook's 2xx body, JSON lines on
 * a command's stdout. Recorded as `grant.activity` through the core, bounded (entries and text length, "and N
 * more"), and hostile text shows as text — never a mention, a link or markup — in the Slack and Teams digest.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestAccess } from '../../../src/app/request-access.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { buildDigest } from '../../../src/audit/digest.ts';
import { formatDigest } from '../../../src/audit/digest-format.ts';
import { readDetails } from '../../../src/audit/events.ts';
import { digestMessage } from '../../../src/chat/messages/audit.ts';
import { loadPolicyText } from '../../../src/config/load-policy.ts';
import { ManualClock } from '../../../src/domain/clock.ts';
import { MAX_STATEMENTS, MAX_TEXT } from '../../../src/domain/activity.ts';
import { builtinProviders, createProviders } from '../../../src/providers/registry.ts';
import { silentLogger } from '../../../src/logging.ts';
import { renderMessage } from '../../../adapters/slack/render/index.ts';
import { renderCard } from '../../../adapters/teams/render/card.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';

const HOSTILE = '<!channel> <@U0ADMIN> <https://evil.example|click me> *bold* [link](https://evil.example) ```fence```';

/** What the exec target prints at revoke: a log line, 40 statements, a long entry, a hostile one, garbage. */
const EXEC_SCRIPT = `
if (process.env.ACCESSBOT_EVENT !== 'revoke') process.exit(0);
console.log('revoking access for ' + process.env.ACCESSBOT_GRANT_ID);
for (let i = 0; i < 40; i++) console.log(JSON.stringify({ kind: 'statement', text: 'kubectl get pods -n ns' + i, count: 40 - i }));
console.log(JSON.stringify({ kind: 'session', at: '2026-12-06T09:00:00Z', client: '10.0.0.5', application: 'kubectl' }));
console.log(JSON.stringify({ text: 'x'.repeat(5000) }));
console.log(JSON.stringify({ activity: [${JSON.stringify(HOSTILE)}, { kind: 'nonsense' }] }));
`;

const POLICY = `
version: 1
resources:
  k8s: { provider: exec, command: [env:NODE, -e, env:SCRIPT] }
  tickets: { provider: webhook, url: env:HOOK_URL, secret: 0123456789abcdef0123456789abcdef }
roles:
  pods:
    resource: k8s
    requesters: [alice@example.com]
    approvers: [bob@example.com]
    auto_approve: { max_duration: 1h }
    max_duration: 1h
  helpdesk:
    resource: tickets
    requesters: [alice@example.com]
    approvers: [bob@example.com]
    auto_approve: { max_duration: 1h }
    max_duration: 1h
`;

describe('activity in a revoke answer (webhook and exec)', () => {
  let server: Server;
  let h: Harness;
  const start = Date.parse('2026-12-06T09:00:00Z');

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const event = (JSON.parse(body) as { event: string }).event;
        res.writeHead(200, { 'content-type': 'application/json' });
        const activity = event === 'revoke' ? [{ kind: 'event', at: '2026-12-06T09:05:00Z', text: `closed ticket ${HOSTILE}`, count: 2 }, 'exported 3 reports'] : undefined;
        res.end(JSON.stringify(activity ? { activity } : {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const env = { NODE: process.execPath, SCRIPT: EXEC_SCRIPT, HOOK_URL: `http://127.0.0.1:${port}/hook`, PATH: process.env.PATH };
    const loaded = loadPolicyText(POLICY, { env, providers: builtinProviders });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    h = createHarness({ policy: loaded.policy, clock: new ManualClock(start) });
    h.ctx.providers = createProviders(
      Object.fromEntries(Object.entries(loaded.policy.resources).map(([name, r]) => [name, { provider: r.provider, settings: r.settings }])),
      { log: silentLogger(), env },
    );
  });

  afterAll(async () => {
    await h?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function grantThenRevoke(role: string): Promise<string> {
    const { view } = await requestAccess(h.ctx, { roleName: role, requester: { email: 'alice@example.com' }, durationMs: 30 * 60_000, reason: 'INC-9', origin: 'test' });
    await h.worker.idle();
    expect((await h.store.grantOfRequest(view.id))!.status).toBe('active');
    await revokeAccess(h.ctx, { requestId: view.id, actor: { email: 'alice@example.com' }, reason: 'done' });
    await h.worker.idle();
    const grant = (await h.store.grantOfRequest(view.id))!;
    expect(grant.status).toBe('revoked');
    return grant.id;
  }

  async function activityOf(grantId: string) {
    for await (const row of h.store.auditRows()) if (row.action === 'grant.activity' && row.grantId === grantId) return readDetails('grant.activity', row.details);
    return null;
  }

  it('records JSON lines from the command, bounded, with what was cut counted', async () => {
    const d = (await activityOf(await grantThenRevoke('pods')))!;
    expect(d).toMatchObject({ phase: 'at revoke', source: 'exec', sessions: 1, distinct_statements: 40 });
    expect(d.statement_lines).toHaveLength(MAX_STATEMENTS + 1);
    expect(d.statement_lines![0]).toBe('40× kubectl get pods -n ns0');
    expect(d.statement_lines!.at(-1)).toBe(`and ${40 - MAX_STATEMENTS} more distinct statements`);
    expect(d.session_lines).toEqual(['2026-12-06T09:00:00Z from 10.0.0.5 (kubectl)']);
    const long = d.event_lines!.find((line) => line.startsWith('xxx'))!;
    expect([...long]).toHaveLength(MAX_TEXT);
    expect(long.endsWith('…')).toBe(true);
    expect(d.event_lines).toContain(HOSTILE);
    expect(d.event_lines).toContain('(1 more entry not readable or over the limit)');
    expect(d.event_lines!.some((line) => line.includes('revoking access'))).toBe(false); // a log line is not activity
  });

  it('records the webhook’s {"activity": [...]}, and the digest shows it where hostile text stays text', async () => {
    const grantId = await grantThenRevoke('helpdesk');
    const d = (await activityOf(grantId))!;
    expect(d).toMatchObject({ source: 'webhook', actions_reported: 3, summary: 'reported 3 actions' });
    expect(d.event_lines).toEqual([`2026-12-06T09:05:00Z 2× closed ticket ${HOSTILE}`, 'exported 3 reports']);

    const digest = await buildDigest(h.store, { since: start - 60_000, until: start + 3_600_000, timezone: 'UTC' });
    const markdown = formatDigest(digest, 'markdown');
    expect(markdown).toContain('activity: reported 3 actions');
    expect(markdown).toMatch(/activity: ran \d+ statements \(40 distinct\) in 1 session/);
    const notice = { type: 'digest' as const, period: 'test', title: 'Access digest', markdown };

    const slack = JSON.stringify(renderMessage(digestMessage(notice)));
    expect(slack).toContain('closed ticket');
    expect(slack).not.toContain('<!channel>');
    expect(slack).not.toContain('<@U0ADMIN>');
    expect(slack).not.toContain('<https://evil.example');
    expect(slack).toContain('&lt;!channel&gt;');

    const teams = JSON.stringify(renderCard(digestMessage(notice), { surface: 'approval' }));
    expect(teams).toContain('closed ticket');
    expect(teams).not.toContain('[link](https://evil.example)');
    expect(teams).not.toContain('<at>');
  });
});
