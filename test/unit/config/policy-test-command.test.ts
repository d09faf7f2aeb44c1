/** `accessbot policy test CASES.yaml`: table-driven cases against a policy, through the domain's own rules. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPolicyCommand } from '../../../src/cli/policy.ts';
import { basePolicy, fakeProviders } from './fixtures.ts';

let dir: string;
let policyFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'accessbot-policy-test-'));
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
  policy.roles.breakglass = {
    resource: 'orders-db',
    grant: { roles: ['writer'] },
    requesters: ['group:sre', 'slack:U0FRANK'],
    approvers: ['group:sre'],
    max_duration: '1h',
    require_ticket: true,
    break_glass: true,
  };
  policyFile = join(dir, 'policy.yaml');
  // HOOK_SECRET is never set in these tests: policy test needs no secrets.
  writeFileSync(policyFile, stringify(policy));
});

function casesFile(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  return file;
}

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPolicyCommand(args, { out: (s) => out.push(s), err: (s) => err.push(s), env, providers: fakeProviders, cwd: dir });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const PASSING = [
  { user: 'alice@example.com', role: 'readonly', duration: '15m', expect: 'auto_approved' },
  { user: 'alice@example.com', role: 'readonly', duration: '1h', expect: { pending: { approvals: 1, approvers_include: ['bob@example.com'], request_ttl: '30m' } } },
  { user: 'bob@example.com', role: 'writer', ticket: 'INC-1', expect: { pending: { duration: '1h', approvals: 2, approvers_include: ['carol@example.com', 'erin@example.com'], approvers_exclude: ['bob@example.com', 'alice@example.com'] } } },
  { user: 'alice@example.com', role: 'readonly', duration: '5h', expect: { refused: 'max_duration' } },
  { user: 'alice@example.com', role: 'readonly', duration: '5h', expect: { refused: 'duration_too_long' } },
  { user: 'alice@example.com', role: 'writer', expect: { refused: 'ticket_required' } },
  { user: 'alice@example.com', role: 'writer', ticket: 'JIRA-9', expect: { refused: 'ticket_invalid' } },
  { user: 'mallory@example.com', role: 'readonly', expect: 'refused' },
  { user: 'slack:U0FRANK', role: 'breakglass', break_glass: true, ticket: 'INC-2', expect: { break_glass: { duration: '1h' } } },
  { user: 'alice@example.com', role: 'readonly', break_glass: true, expect: { refused: 'break_glass_not_allowed' } },
  { user: 'alice@example.com', role: 'readonly', reason: ' ', expect: { refused: 'reason_required' } },
  { user: 'alice@example.com', role: 'nope', expect: { refused: 'unknown_role' } },
  { name: 'deploy is allowed one way or another', user: 'alice@example.com', role: 'deploy', expect: 'allowed' },
];

describe('policy test: passing cases', () => {
  it('runs every case, without the secrets, and exits 0', async () => {
    const file = casesFile('pass.yaml', { cases: PASSING });
    const result = await run(['test', file, '--policy', policyFile]);
    expect(result).toMatchObject({ code: 0, err: '' });
    const lines = result.out.split('\n');
    expect(lines[0]).toBe(`policy test: ${file}`);
    expect(lines[1]).toBe(`  policy: ${policyFile}`);
    expect(lines[2]).toBe('✓ alice@example.com → readonly for 15m  (line 2)');
    expect(lines).toContainEqual(expect.stringMatching(/^✓ deploy is allowed one way or another {2}\(line \d+\)$/));
    expect(lines.filter((l) => l.startsWith('✓ '))).toHaveLength(PASSING.length + 1);
    expect(lines.at(-1)).toBe(`✓ ${PASSING.length} cases passed`);
  });

  it('takes the policy from the cases file, relative to it, and accepts a bare list', async () => {
    const file = casesFile('relative.yaml', { policy: 'policy.yaml', cases: PASSING.slice(0, 2) });
    expect(await run(['test', file])).toMatchObject({ code: 0 });
    const list = casesFile('list.yaml', PASSING.slice(0, 2));
    const viaEnv = await run(['test', list], { ACCESSBOT_POLICY: policyFile });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.out).toContain(`policy: ${policyFile}`);
  });

  it('prints one JSON document for CI', async () => {
    const file = casesFile('pass-json.yaml', { policy: 'policy.yaml', cases: PASSING.slice(1, 3) });
    const result = await run(['test', file, '--format', 'json']);
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.out) as Record<string, unknown>;
    expect(doc).toMatchObject({ ok: true, policy_file: policyFile, cases_file: file, summary: { total: 2, passed: 2, failed: 0 } });
    expect((doc.results as unknown[])[1]).toEqual({
      index: 1,
      name: 'bob@example.com → writer (ticket INC-1)',
      line: expect.any(Number),
      passed: true,
      input: { user: 'bob@example.com', role: 'writer', ticket: 'INC-1', break_glass: false },
      expected: { outcome: 'pending', duration: '1h', approvals: 2, approvers_include: ['carol@example.com', 'erin@example.com'], approvers_exclude: ['bob@example.com', 'alice@example.com'] },
      actual: { outcome: 'pending', duration: '1h', approvals: 2, approvers: ['carol@example.com', 'erin@example.com'], request_ttl: '1h' },
      differences: [],
    });
  });
});

describe('policy test: failing cases', () => {
  const FAILING = [
    { name: 'deploy is capped', user: 'alice@example.com', role: 'deploy', duration: '2h', expect: 'pending' },
    { user: 'bob@example.com', role: 'writer', ticket: 'INC-1', expect: { pending: { approvals: 3, approvers_include: ['dave@example.com', 'bob@example.com'], approvers_exclude: ['carol@example.com'] } } },
    { user: 'alice@example.com', role: 'readonly', duration: '2h', expect: { refused: 'max_duration' } },
    { user: 'alice@example.com', role: 'readonly', duration: '5h', expect: { refused: 'ticket_required' } },
    { user: 'alice@example.com', role: 'readonly', duration: '10m', expect: { auto_approved: { duration: '15m' } } },
    { user: 'alice@example.com', role: 'readonly', duration: '10m', expect: 'auto_approved' },
  ];

  it('exits 1 with a readable diff per failing case', async () => {
    const file = casesFile('fail.yaml', { policy: 'policy.yaml', cases: FAILING });
    const result = await run(['test', file]);
    expect(result.code).toBe(1);
    expect(result.err).toBe('');
    expect(result.out.split('\n').slice(2)).toEqual([
      '✗ deploy is capped  (line 3)',
      '    - outcome: pending',
      '    + outcome: refused (duration_too_long): 2h is longer than "deploy" allows (at most 30m).',
      '✗ bob@example.com → writer (ticket INC-1)  (line 8)',
      '    - approvals: 3',
      '    + approvals: 2',
      '    - approvers_include: dave@example.com may approve',
      '    + approvers_include: dave@example.com may not: You are not an approver for "writer". (approvers: carol@example.com, erin@example.com)',
      '    - approvers_include: bob@example.com may approve',
      '    + approvers_include: bob@example.com may not: You cannot approve your own request. (approvers: carol@example.com, erin@example.com)',
      '    - approvers_exclude: carol@example.com may not approve',
      '    + approvers_exclude: carol@example.com may approve (approvers: carol@example.com, erin@example.com)',
      '✗ alice@example.com → readonly for 2h  (line 19)',
      '    - outcome: refused (duration_too_long)',
      '    + outcome: pending, needs 1 approval from bob@example.com, carol@example.com, erin@example.com, for 2h',
      '✗ alice@example.com → readonly for 5h  (line 24)',
      '    - refused: ticket_required',
      '    + refused: duration_too_long: 5h is longer than "readonly" allows (at most 4h).',
      '✗ alice@example.com → readonly for 10m  (line 29)',
      '    - duration: 15m',
      '    + duration: 10m',
      '✓ alice@example.com → readonly for 10m  (line 35)',
      '✗ 5 of 6 cases failed (- expected, + actual)',
    ]);
  });

  it('says the same in JSON', async () => {
    const file = casesFile('fail-json.yaml', { policy: 'policy.yaml', cases: FAILING.slice(0, 1) });
    const result = await run(['test', file, '--format', 'json']);
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.out) as { ok: boolean; summary: unknown; results: Record<string, unknown>[] };
    expect(doc.ok).toBe(false);
    expect(doc.summary).toEqual({ total: 1, passed: 0, failed: 1 });
    expect(doc.results[0]).toMatchObject({
      name: 'deploy is capped',
      passed: false,
      expected: { outcome: 'pending' },
      actual: { outcome: 'refused', code: 'duration_too_long', message: '2h is longer than "deploy" allows (at most 30m).' },
      differences: [{ field: 'outcome', expected: 'pending', actual: 'refused (duration_too_long): 2h is longer than "deploy" allows (at most 30m).' }],
    });
  });
});

describe('policy test: files with problems', () => {
  it('validates the cases file with path-named problems, lines and hints, and exits 1', async () => {
    const file = casesFile(
      'invalid.yaml',
      [
        'policy: policy.yaml',
        'cases:',
        '  - { user: alice, role: readonly, expect: approved }',
        '  - { user: alice@example.com, role: readonly, durration: 1h, expect: { refused: too_long } }',
        '  - { user: alice@example.com, role: readonly, duration: 9x, expect: { pending: { aprovals: 2 } } }',
        '  - { user: alice@example.com, role: readonly }',
        '  - { user: alice@example.com, role: readonly, expect: { pending: {}, refused: } }',
        'polcy: x',
        '',
      ].join('\n'),
    );
    const result = await run(['test', file]);
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err.split('\n')).toEqual([
      `✗ ${file}: 9 problems`,
      '  cases[0].user: "alice" is not a person (use an email, slack:U123ABC or teams:<id>)  (line 3, column 7)',
      '  cases[0].expect: "approved" is not an outcome; use one of auto_approved, pending, break_glass, refused, allowed  (line 3, column 36)',
      '  cases[1].durration: unknown key (did you mean "duration"?)  (line 4, column 48)',
      expect.stringMatching(/^ {2}cases\[1\]\.expect\.refused: "too_long" is not a refusal; use one of unknown_role, not_requester, duration_too_long, .*max_duration.* {2}\(line 4, column 73\)$/),
      '  cases[2].duration: "9x" is not a duration (try 30m, 2h, 1h30m, 1d)  (line 5, column 48)',
      '  cases[2].expect.pending.aprovals: unknown key (did you mean "approvals"?)  (line 5, column 83)',
      expect.stringMatching(/^ {2}cases\[3\]\.expect: is required \(auto_approved, pending, .*\) {2}\(line 6, column 5\)$/),
      '  cases[4].expect: name exactly one outcome (refused, pending, auto_approved or break_glass), not pending and refused  (line 7, column 48)',
      '  polcy: unknown key (did you mean "policy"?)  (line 8, column 1)',
    ]);
  });

  it('reports an unreadable or empty cases file, and a broken policy, with exit 1', async () => {
    const missing = await run(['test', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no such file');
    expect((await run(['test', casesFile('empty.yaml', '')])).err).toContain('the cases file is empty');
    expect((await run(['test', casesFile('none.yaml', { cases: [] })])).err).toContain('cases: must list at least 1');

    const broken = join(dir, 'broken-policy.yaml');
    writeFileSync(broken, 'version: 1\nresources: {}\nroles:\n  r: { resource: nowhere, requesters: [a@example.com], approvers: [b@example.com], max_duration: 9x }\n');
    const file = casesFile('for-broken.yaml', PASSING.slice(0, 1));
    const text = await run(['test', file, '--policy', broken]);
    expect(text.code).toBe(1);
    expect(text.err).toContain('roles.r.resource: unknown resource "nowhere"');
    expect(text.err).toContain('roles.r.max_duration: "9x" is not a duration');
    const json = await run(['test', file, '--policy', broken, '--format', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, policy_file: broken, errors: [{ file: broken, path: 'roles.r.resource' }, { path: 'roles.r.max_duration', line: 4 }] });
  });
});
