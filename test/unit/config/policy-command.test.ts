import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPolicyCommand } from '../../../src/cli/policy.ts';
import { basePolicy, baseEnv, fakeProviders } from './fixtures.ts';

let dir: string;
let goodFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'accessbot-cli-'));
  const policy = basePolicy();
  Object.assign(policy.roles.readonly!, { auto_approve: { max_duration: '15m' }, request_ttl: '30m' });
  policy.roles.writer = {
    resource: 'orders-db',
    grant: { roles: ['writer'] },
    requesters: ['group:engineers'],
    approvers: ['group:sre'],
    approvals_required: 2,
    max_duration: '2h',
    require_ticket: '^INC-[0-9]+$',
  };
  policy.groups.oncall = ['group:sre', 'slack:U0FRANK'];
  policy.roles.breakglass = {
    resource: 'orders-db',
    grant: { roles: ['writer'] },
    requesters: ['group:oncall'],
    approvers: ['group:sre'],
    max_duration: '1h',
    require_ticket: true,
    break_glass: true,
  };
  goodFile = join(dir, 'good.yaml');
  writeFileSync(goodFile, stringify(policy));
});

async function run(args: string[], env: Record<string, string | undefined> = baseEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPolicyCommand(args, { out: (s) => out.push(s), err: (s) => err.push(s), env, providers: fakeProviders, cwd: dir });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('policy check', () => {
  it('summarises a good policy and exits 0', async () => {
    const result = await run(['check', goodFile]);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out.split('\n')[0]).toBe('✓ policy OK: 4 roles, 2 resources, 3 groups');
    expect(result.out).toContain(`file: ${goodFile}`);
  });

  it('prints warnings without failing', async () => {
    const policy = basePolicy();
    policy.roles.deploy!.requesters = [];
    const file = join(dir, 'warn.yaml');
    writeFileSync(file, stringify(policy));
    const result = await run(['check', file]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('⚠ roles.deploy.requesters: nobody can request this role');
  });

  it('exits 1 with path-precise problems for a broken file', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'resources:',
        '  orders-db: { provider: fakedb, url: "db://x" }',
        'roles:',
        '  deploy:',
        '    resource: orders-db',
        '    grant: { roles: [w] }',
        '    requesters: [alice@example.com]',
        '    approvers: [group:sre]',
        '    max_duration: 9x',
        '',
      ].join('\n'),
    );
    const result = await run(['check', file]);
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toBe(
      [
        `✗ ${file}: 2 problems`,
        // The schema's problem does not hide the cross-reference one (issue 13).
        '  roles.deploy.approvers[0]: unknown group "sre" (the policy defines no groups)  (line 9, column 17)',
        '  roles.deploy.max_duration: "9x" is not a duration (try 30m, 2h, 1h30m, 1d)  (line 10, column 5)',
      ].join('\n'),
    );
    writeFileSync(file, stringify({ ...basePolicy(), groups: { a: ['group:b'], b: ['group:a'] } }));
    const cyclic = await run(['check', file]);
    expect(cyclic.code).toBe(1);
    expect(cyclic.err).toContain('groups.a: groups include each other in a cycle: a → b → a');
  });

  it('checks without the secrets: an unset env: variable is a warning, and exits 0', async () => {
    const result = await run(['check', goodFile], {});
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(/⚠ resources\.hooks\.secret: environment variable HOOK_SECRET is not set \(its value goes unchecked here; the bot will not start without it\) {2}\(line \d+, column \d+\)/);
    expect(result.out).toContain('not set here: HOOK_SECRET — "serve" needs it (--require-env makes this check fail without it)');
  });

  it('with --require-env, an unset env: variable fails the check, as it stops serve', async () => {
    const result = await run(['check', goodFile, '--require-env'], {});
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toContain('resources.hooks.secret: environment variable HOOK_SECRET is not set');
    expect(await run(['check', '--require-env', goodFile])).toMatchObject({ code: 0, err: '' });
  });

  it('exits 1 for a missing file', async () => {
    const result = await run(['check', join(dir, 'nope.yaml')]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('cannot read');
    expect(result.err).toContain('no such file');
  });

  it('without FILE uses ACCESSBOT_POLICY, then ./accessbot.yaml', async () => {
    const viaEnv = await run(['check'], { ...baseEnv, ACCESSBOT_POLICY: goodFile });
    expect(viaEnv.out).toContain(`file: ${goodFile}`);
    writeFileSync(join(dir, 'accessbot.yaml'), stringify(basePolicy()));
    const local = await run(['check']);
    expect(local.code).toBe(0);
    expect(local.out).toContain(`file: ${join(dir, 'accessbot.yaml')}`);
  });
});

describe('policy schema', () => {
  it('prints the JSON Schema', async () => {
    const result = await run(['schema']);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.out) as { title: string; properties: Record<string, unknown> };
    expect(schema.title).toBe('accessbot policy');
    expect(Object.keys(schema.properties)).toContain('roles');
  });
});

describe('policy explain', () => {
  const explain = (...args: string[]) => run(['explain', '--file', goodFile, ...args]);

  it('says a short request is auto-approved', async () => {
    const result = await explain('--user', 'alice@example.com', '--role', 'readonly', '--duration', '10m');
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      [
        '✓ allowed: alice@example.com may request "readonly" for 10m on orders-db (fakedb)',
        '  approval: auto-approved, no approval needed (up to 15m)',
        '  ticket: not required',
        '  break-glass: not allowed for this role',
        '  maximum for this role: 4h',
      ].join('\n'),
    );
  });

  it('says who must approve, leaving out the requester, and the TTL and ticket rule', async () => {
    const result = await explain('--user', 'BOB@example.com', '--role', 'writer', '--duration', '1h');
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      [
        '✓ allowed: BOB@example.com may request "writer" for 1h on orders-db (fakedb)',
        '  approval: needs 2 approvals from: carol@example.com, erin@example.com',
        '  (BOB@example.com is an approver too, but nobody approves their own request)',
        '  a pending request expires after 1h without a decision',
        '  ticket: required, matching /^INC-[0-9]+$/ (--ticket ID)',
        '  break-glass: not allowed for this role',
        '  maximum for this role: 2h',
      ].join('\n'),
    );
  });

  it('explains why auto-approval does not apply to a longer request', async () => {
    const result = await explain('--user', 'alice@example.com', '--role', 'readonly', '--duration', '2h');
    expect(result.code).toBe(0);
    expect(result.out).toContain('auto-approval: no, 2h is over the 15m limit for auto-approval');
    expect(result.out).toContain('approval: needs 1 approval from: bob@example.com, carol@example.com, erin@example.com');
    expect(result.out).toContain('a pending request expires after 30m without a decision');
  });

  it('checks a given ticket and uses the role default without --duration', async () => {
    const good = await explain('--user', 'alice@example.com', '--role', 'writer', '--ticket', 'INC-42');
    expect(good.code).toBe(0);
    expect(good.out).toContain('for 1h (the role default)');
    expect(good.out).toContain('ticket: INC-42 is accepted');
    const bad = await explain('--user', 'alice@example.com', '--role', 'writer', '--ticket', 'JIRA-1');
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('✗ not allowed: alice@example.com → writer: Ticket "JIRA-1" does not look right for "writer"');
  });

  it('needs none of the secrets', async () => {
    const result = await run(['explain', '--file', goodFile, '--user', 'alice@example.com', '--role', 'deploy'], {});
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(/^✓ allowed: alice@example\.com may request "deploy" for 30m/);
  });

  it('says break-glass is possible for a Slack-only member', async () => {
    const result = await explain('--user', 'slack:U0FRANK', '--role', 'breakglass');
    expect(result.code).toBe(0);
    expect(result.out).toContain('break-glass: possible: slack:U0FRANK may self-activate with --break-glass');
    expect(result.out).toContain('ticket: required (any ticket id, --ticket ID)');
  });

  it('says why not, and what the person may request instead', async () => {
    const notRequester = await explain('--user', 'alice@example.com', '--role', 'breakglass');
    expect(notRequester.code).toBe(1);
    expect(notRequester.out).toBe(
      [
        '✗ not allowed: alice@example.com → breakglass: You are not allowed to request "breakglass". Ask an admin to add you to its requesters.',
        '  roles alice@example.com may request: readonly, deploy, writer',
      ].join('\n'),
    );
    const tooLong = await explain('--user', 'alice@example.com', '--role', 'readonly', '--duration', '5h');
    expect(tooLong.code).toBe(1);
    expect(tooLong.out).toContain('5h is longer than "readonly" allows (at most 4h).');
    const stranger = await explain('--user', 'mallory@example.com', '--role', 'readonly');
    expect(stranger.out).toContain('mallory@example.com may not request any role in this policy');
    const noRole = await explain('--user', 'alice@example.com', '--role', 'admin');
    expect(noRole.out).toContain('There is no role called "admin"');
  });
});

describe('usage', () => {
  it.each([
    [[], /^usage: accessbot policy check/],
    [['frob'], /^unknown policy command "frob"\nusage:/],
    [['check', 'a', 'b'], /^unexpected argument "b"\nusage: accessbot policy check \[FILE\] \[--require-env\]/],
    [['check', '--db', 'x.db', '--live-grants'], /^give either --db or --live-grants, not both\nusage:/],
    [['test'], /^name the cases file\nusage: accessbot policy test CASES\.yaml/],
    [['test', 'cases.yaml', '--format', 'xml'], /^--format must be text or json, not "xml"\nusage:/],
    [['test', 'a.yaml', 'b.yaml'], /^unexpected argument "b\.yaml"\nusage: accessbot policy test/],
    [['schema', 'x'], /^unexpected argument "x"\nusage: accessbot policy schema$/],
    [['explain', '--role', 'readonly'], /^--user is required\nusage: accessbot policy explain/],
    [['explain', '--user', 'a@example.com'], /^--role is required\nusage:/],
    [['explain', '--user', 'a@example.com', '--role', 'r', '--duration', '9x'], /^"9x" is not a duration \(try 30m, 2h, 1h30m, 1d\)\nusage:/],
    [['explain', '--bogus'], /^Unknown option '--bogus'\nusage:/],
  ])('%j exits 2 with a usage line', async (args, expected) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(expected);
  });

  it.each([['--help'], ['check', '--help'], ['schema', '--help'], ['explain', '--help'], ['test', '--help']])('%s prints help and exits 0', async (...args) => {
    const result = await run(args);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^usage: accessbot policy/);
  });
});
