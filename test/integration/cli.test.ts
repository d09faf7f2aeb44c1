/** The command line as an operator uses it: real processes for exit codes, in-process runs for the rest. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { promisify } from 'node:util';
import { requestAccess } from '../../src/app/request-access.ts';
import { review } from '../../src/app/review.ts';
import { runCli } from '../../src/cli.ts';
import { tempDbPath } from '../support/core-harness.ts';
import { withPolicyContext } from '../support/policy-context.ts';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function capture(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env }, out, err };
}

describe('exit codes and messages (real process)', () => {
  it('policy check on a broken policy prints path-precise errors and exits 1', async () => {
    const file = join(dirname(tempDbPath()), 'broken.yaml');
    writeFileSync(file, 'version: 1\nresources: {}\nroles:\n  deploy:\n    resource: nowhere\n    requesters: [alice@example.com]\n    approvers: [bob@example.com]\n    max_duration: 9x\n');
    const result = await cli(['policy', 'check', file]);
    expect(result.code).toBe(1);
    expect(result.stderr + result.stdout).toMatch(/roles\.deploy\.max_duration: "9x" is not a duration \(try 30m/);
    // The bad duration no longer hides the unknown resource (issue 13).
    expect(result.stderr).toContain('roles.deploy.resource: unknown resource "nowhere" (resources: none)');
  });

  it('policy check reports the problems of every stage in one run (issue 13)', async () => {
    const file = join(dirname(tempDbPath()), 'every-stage.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'groups:',
        '  sre: [bob@example.com, carol@example.com, bob]', // schema: not a member
        'resources:',
        '  orders-db: { provider: postgres, url: "mysql://x" }', // provider settings
        '  mystery: { provider: ldap }', // unknown provider
        'roles:',
        '  deploy:',
        '    resource: nowhere', // reference
        '    requesters: [group:engineers]', // unknown group
        '    approvers: [group:sre]',
        '    max_duration: 9x', // schema
        '  readonly:',
        '    resource: orders-db',
        '    grant: { roles: [pg_read_all_data], colour: blue }', // provider grant schema
        '    requesters: [alice@example.com]',
        '    approvers: [bob@example.com]',
        '    max_duration: 1h',
        '    default_duration: 2h', // cross-field
        '',
      ].join('\n'),
    );
    const result = await cli(['policy', 'check', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe(`✗ ${file}: 8 problems, 1 warning`);
    expect(lines.slice(1).map((l) => l.trim().replace(/ {2}\(line \d+, column \d+\)$/, ''))).toEqual([
      'groups.sre[2]: "bob" is not a member (use an email, slack:U123ABC, teams:<id> or group:NAME)',
      'resources.orders-db.url: must be a postgres:// connection URL',
      'resources.mystery.provider: unknown provider "ldap"; known providers: postgres, webhook, exec',
      'roles.deploy.resource: unknown resource "nowhere" (resources: orders-db, mystery)',
      'roles.deploy.requesters[0]: unknown group "engineers" (groups: sre)',
      'roles.deploy.max_duration: "9x" is not a duration (try 30m, 2h, 1h30m, 1d)',
      expect.stringMatching(/^roles\.readonly\.grant\.colour: unknown key/),
      'roles.readonly.default_duration: 2h is longer than max_duration (1h)',
      '⚠ resources.mystery: no role uses this resource',
    ]);
  });

  it('policy check needs no secrets: an unset env: variable is a warning (exit 0), unless --require-env (exit 1)', async () => {
    const file = join(dirname(tempDbPath()), 'secrets.yaml');
    writeFileSync(
      file,
      'version: 1\nresources:\n  hook: { provider: webhook, url: "https://deploy.internal/access", secret: env:ACCESSBOT_CLI_TEST_SECRET }\n' +
        'roles:\n  deploy: { resource: hook, requesters: [alice@example.com], approvers: [bob@example.com], max_duration: 2h }\n',
    );
    const lenient = await cli(['policy', 'check', file]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain('✓ policy OK: 1 role, 1 resource, 0 groups');
    expect(lenient.stdout).toMatch(/⚠ resources\.hook\.secret: environment variable ACCESSBOT_CLI_TEST_SECRET is not set \(its value goes unchecked here; the bot will not start without it\)/);
    const strict = await cli(['policy', 'check', file, '--require-env']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('resources.hook.secret: environment variable ACCESSBOT_CLI_TEST_SECRET is not set  (line 3');
    const provided = await cli(['policy', 'check', file, '--require-env'], { ACCESSBOT_CLI_TEST_SECRET: 'a-long-enough-test-secret-0123' });
    expect(provided.code).toBe(0);
  });

  it('policy test: the bundled example passes its cases file, in text and JSON', async () => {
    const text = await cli(['policy', 'test', 'examples/accessbot.cases.yaml']);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`policy: ${join(ROOT, 'examples/accessbot.yaml')}`);
    expect(text.stdout).not.toContain('✗');
    expect(text.stdout.trim().split('\n').at(-1)).toMatch(/^✓ \d+ cases passed$/);

    const json = await cli(['policy', 'test', 'examples/accessbot.cases.yaml', '--format', 'json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { ok: boolean; summary: { total: number; failed: number }; results: { passed: boolean }[] };
    expect(doc.ok).toBe(true);
    expect(doc.summary.failed).toBe(0);
    expect(doc.summary.total).toBeGreaterThanOrEqual(15);
    expect(doc.results.every((r) => r.passed)).toBe(true);
  });

  it('policy test: a failing case exits 1 with a diff (text) and a difference (JSON)', async () => {
    const file = join(dirname(tempDbPath()), 'failing.cases.yaml');
    writeFileSync(
      file,
      `policy: ${join(ROOT, 'examples/accessbot.yaml')}\ncases:\n` +
        '  - { name: readonly for a day, user: alice@example.com, role: readonly, duration: 1d, expect: auto_approved }\n' +
        '  - { user: alice@example.com, role: readonly, duration: 10m, expect: auto_approved }\n',
    );
    const text = await cli(['policy', 'test', file]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      [
        '✗ readonly for a day  (line 3)',
        '    - outcome: auto_approved',
        '    + outcome: refused (duration_too_long): 1d is longer than "readonly" allows (at most 4h).',
        '✓ alice@example.com → readonly for 10m  (line 4)',
        '✗ 1 of 2 cases failed (- expected, + actual)',
      ].join('\n'),
    );
    const json = await cli(['policy', 'test', file, '--format', 'json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { ok: boolean; results: { passed: boolean; differences: unknown[] }[] };
    expect(doc.ok).toBe(false);
    expect(doc.results.map((r) => r.passed)).toEqual([false, true]);
    expect(doc.results[0]!.differences).toEqual([{ field: 'outcome', expected: 'auto_approved', actual: 'refused (duration_too_long): 1d is longer than "readonly" allows (at most 4h).' }]);
  });

  it('bad usage exits 2 and says what would work', async () => {
    const result = await cli(['grants', 'revoke']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/name one request, e\.g\. AR-42/);
    expect((await cli(['frobnicate'])).code).toBe(2);
  });

  it('policy explain answers for the bundled example', async () => {
    const result = await cli(['policy', 'explain', '--user', 'alice@example.com', '--role', 'readonly', '--duration', '10m']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/auto-approved/i);
  });

  it('migrate creates the database', async () => {
    const db = tempDbPath();
    const result = await cli(['migrate'], { ACCESSBOT_DB: db });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/is up to date/);
  });
});

describe('grants and audit commands against a real webhook target', () => {
  let server: Server;
  const events: { event: string; grant_id: string }[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        events.push(JSON.parse(body) as { event: string; grant_id: string });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const dbPath = tempDbPath();
    const policyPath = join(dirname(dbPath), 'policy.yaml');
    writeFileSync(
      policyPath,
      `version: 1
resources:
  hook: { provider: webhook, url: "http://127.0.0.1:${port}/access", secret: env:HOOK_SECRET }
roles:
  deploy:
    resource: hook
    requesters: [alice@example.com]
    approvers: [bob@example.com]
    max_duration: 2h
`,
    );
    env = { ACCESSBOT_DB: dbPath, ACCESSBOT_POLICY: policyPath, HOOK_SECRET: 'a-very-long-test-secret-123' };
    // File and approve a request through the core, as the bot would.
    await withPolicyContext({ policyPath, dbPath, env }, async (ctx) => {
      const { view } = await requestAccess(ctx, { roleName: 'deploy', requester: { email: 'alice@example.com' }, durationMs: 3_600_000, reason: 'release 42', origin: 'test' });
      await review(ctx, { requestId: view.id, reviewer: { email: 'bob@example.com' }, decision: 'approve' });
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('lists the live grant, revokes it at the target, and the audit log shows it all', async () => {
    expect(events.map((e) => e.event)).toEqual(['grant']);
    const list = capture(env);
    expect(await runCli(['grants', 'list'], list.io)).toBe(0);
    expect(list.out.join('\n')).toMatch(/AR-1 {2}deploy on hook {2}alice@example\.com {2}active {2}expires in (59m|1h)/);

    const revoke = capture(env);
    expect(await runCli(['grants', 'revoke', 'AR-1', '--reason', 'incident over', '--by', 'ops-lead'], revoke.io)).toBe(0);
    expect(revoke.out.join('\n')).toMatch(/AR-1 revoked at the target/);
    expect(events.map((e) => e.event)).toEqual(['grant', 'revoke']);

    const exported = capture(env);
    expect(await runCli(['audit', 'export', '--format', 'jsonl'], exported.io)).toBe(0);
    const rows = exported.out.map((l) => JSON.parse(l) as { action: string; actor: string });
    expect(rows.map((r) => r.action)).toEqual(['request.created', 'review.approved', 'request.approved', 'grant.created', 'grant.active', 'grant.revoke_requested', 'grant.revoked']);
    expect(rows.find((r) => r.action === 'grant.revoke_requested')?.actor).toBe('cli:ops-lead');

    const csv = capture(env);
    expect(await runCli(['audit', 'export', '--format', 'csv', '--since', '2000-01-01'], csv.io)).toBe(0);
    expect(csv.out[0]).toBe('seq,at,actor,action,request,grant_id,from_status,to_status,details,prev_hash,hash');
    expect(csv.out).toHaveLength(8);

    const verify = capture(env);
    expect(await runCli(['audit', 'verify'], verify.io)).toBe(0);
    expect(verify.out.join('')).toMatch(/intact: 7 events/);
  });
});
