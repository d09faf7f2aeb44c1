/**
 * Issue 13: one `policy check` reports the problems of every stage (schema, env: values, providers, references,
 * rules that relate fields) together, never a consequence of a rejected value; and secrets are needed only
 * by `serve`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runPolicyCommand } from '../../../src/cli/policy.ts';
import { loadPolicyText } from '../../../src/config/load-policy.ts';
import { loadPolicyOrThrow, StartupError } from '../../../src/config/startup-policy.ts';
import { basePolicy, baseEnv, fakeProviders, problemsOf } from './fixtures.ts';

const lenient = (policy: unknown, env: Record<string, string | undefined> = {}) =>
  loadPolicyText(typeof policy === 'string' ? policy : stringify(policy), { env, providers: fakeProviders, requireEnv: false });

describe('every stage in one run', () => {
  it('a bad duration no longer hides an unknown resource, even in the same role', () => {
    const policy = basePolicy();
    Object.assign(policy.roles.readonly!, { max_duration: '9x', resource: 'orders-dbb' });
    expect(problemsOf(policy)).toEqual([
      'roles.readonly.resource: unknown resource "orders-dbb" (did you mean "orders-db"?)',
      'roles.readonly.max_duration: "9x" is not a duration (try 30m, 2h, 1h30m, 1d)',
    ]);
  });

  it('reports schema, provider, reference, group and cross-field problems together, in file order', () => {
    const policy = basePolicy();
    policy.groups.sre!.push('bob'); // schema: not a member
    policy.groups.loop = ['group:loop']; // groups: a cycle
    policy.resources['orders-db'] = { provider: 'fakedb', url: 'http://x' }; // provider schema
    policy.resources.ldap = { provider: 'ldapp' }; // unknown provider
    Object.assign(policy.roles.readonly!, { grant: { rolez: [] }, requesters: ['group:engineer'], max_duration: '9x' }); // grant schema, unknown group, schema
    Object.assign(policy.roles.deploy!, { resource: 'hookz', default_duration: '1h', colour: 'blue' }); // reference, cross-field, unknown key
    const problems = problemsOf(policy);
    expect(problems.slice(0, 10)).toEqual([
      'groups.sre[3]: "bob" is not a member (use an email, slack:U123ABC, teams:<id> or group:NAME)',
      'groups.loop: groups include each other in a cycle: loop → loop',
      'resources.orders-db.url: must start with "db://"',
      'resources.ldap.provider: unknown provider "ldapp"; known providers: fakedb, hook',
      'roles.readonly.grant.roles: is required',
      'roles.readonly.grant.rolez: unknown key (did you mean "roles"?)',
      'roles.readonly.requesters[0]: unknown group "engineer" (did you mean "engineers"?)',
      'roles.readonly.max_duration: "9x" is not a duration (try 30m, 2h, 1h30m, 1d)',
      'roles.deploy.resource: unknown resource "hookz" (did you mean "hooks"?)',
      'roles.deploy.default_duration: 1h is longer than max_duration (30m)',
    ]);
    expect(problems[10]).toMatch(/^roles\.deploy\.colour: unknown key \(known keys: description, resource, /);
    expect(problems).toHaveLength(11);
  });

  it('never reports a consequence of a value the schema rejected', () => {
    // A dropped approver would make "2 approvals but only 1 approver" look true: the count is not checked.
    const policy = basePolicy();
    policy.roles.readonly!.approvers = ['bob@example.com', 'carol'];
    policy.roles.readonly!.approvals_required = 2;
    expect(problemsOf(policy)).toEqual(['roles.readonly.approvers[1]: "carol" is not a member (use an email, slack:U123ABC, teams:<id> or group:NAME)']);

    // A rejected min_duration is not compared with every max_duration.
    const minimum = basePolicy();
    minimum.min_duration = 'soon';
    expect(problemsOf(minimum)).toEqual(['min_duration: "soon" is not a duration (try 30m, 2h, 1h30m, 1d)']);

    // A groups section that is not a mapping: references into it cannot be judged.
    const groups = basePolicy() as Record<string, unknown>;
    groups.groups = ['sre'];
    expect(problemsOf(groups)).toEqual(['groups: expected a mapping (key: value), got a list']);

    // Resources that are not a mapping: no "unknown resource", no "no role uses this resource".
    const resources = basePolicy() as Record<string, unknown>;
    resources.resources = 'orders-db';
    const result = lenient(resources);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual(['resources: expected a mapping (key: value), got "orders-db"']);
    expect(result.warnings).toEqual([]);

    // A resource without a provider is still a resource roles may name.
    const provider = basePolicy();
    delete provider.resources.hooks!.provider;
    expect(problemsOf(provider)).toEqual(['resources.hooks.provider: is required']);
  });

  it('keeps warnings next to the errors of a policy that does not load', () => {
    const policy = basePolicy();
    policy.roles.readonly!.max_duration = '9x';
    policy.resources.spare = { provider: 'fakedb', url: 'db://spare' };
    const result = lenient(policy, baseEnv);
    expect(result.ok).toBe(false);
    expect(result.warnings).toEqual(['resources.spare: no role uses this resource']);
    expect(result.warningProblems[0]).toMatchObject({ path: 'resources.spare', line: expect.any(Number) });
  });
});

describe('env: values without the secrets', () => {
  it('by default (serve) an unset variable is an error', () => {
    expect(problemsOf(basePolicy(), {})).toEqual(['resources.hooks.secret: environment variable HOOK_SECRET is not set']);
  });

  it('with requireEnv: false it is a warning, the value goes unchecked, and the policy loads', () => {
    const result = lenient(basePolicy());
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.warnings).toEqual(['resources.hooks.secret: environment variable HOOK_SECRET is not set (its value goes unchecked here; the bot will not start without it)']);
    expect(result.missingEnv).toEqual(['HOOK_SECRET']);
    // "env:HOOK_SECRET" is shorter than the 16 characters the provider wants: not reported, it is not the value.
    expect(result.policy.resources.hooks!.settings.secret).toBe('env:HOOK_SECRET');
  });

  it('still checks every other setting of that resource', () => {
    const policy = basePolicy();
    policy.resources.hooks!.timeout = 5;
    const result = lenient(policy);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual(['resources.hooks.timeout: unknown key (known keys: url, secret)']);
    expect(result.missingEnv).toEqual(['HOOK_SECRET']);
  });

  it('serve still refuses to start without it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'accessbot-serve-env-'));
    const path = join(dir, 'policy.yaml');
    writeFileSync(
      path,
      stringify({
        version: 1,
        resources: { hook: { provider: 'webhook', url: 'https://deploy.internal/access', secret: 'env:ACCESSBOT_TEST_UNSET_SECRET' } },
        roles: { deploy: { resource: 'hook', requesters: ['alice@example.com'], approvers: ['bob@example.com'], max_duration: '1h' } },
      }),
    );
    const config = { policyPath: path } as Parameters<typeof loadPolicyOrThrow>[0];
    expect(() => loadPolicyOrThrow(config, {})).toThrow(StartupError);
    expect(() => loadPolicyOrThrow(config, {})).toThrow(/resources\.hook\.secret: environment variable ACCESSBOT_TEST_UNSET_SECRET is not set/);
    expect(loadPolicyOrThrow(config, { ACCESSBOT_TEST_UNSET_SECRET: 'x'.repeat(32) }).policy.roles.deploy).toBeDefined();
  });
});

describe('policy check output', () => {
  it('prints every problem, then the warnings, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accessbot-check-'));
    const file = join(dir, 'every-stage.yaml');
    writeFileSync(
      file,
      [
        'version: 1', //                                                     1
        'groups:', //                                                        2
        '  sre: [bob@example.com, carol@example.com, bob]', //               3  schema
        'resources:', //                                                     4
        '  orders-db: { provider: fakedb, url: "http://x" }', //              5  provider settings
        '  hooks: { provider: hook, url: "http://h", secret: env:HOOK_SECRET }', // 6  env (warning)
        '  spare: { provider: fakedb, url: "db://spare" }', //               7  unused (warning)
        'roles:', //                                                         8
        '  readonly:', //                                                    9
        '    resource: orders-dbb', //                                       10 reference
        '    requesters: [group:engineers]', //                              11 unknown group
        '    approvers: [group:sre]', //                                     12
        '    max_duration: 9x', //                                           13 schema
        '  deploy:', //                                                      14
        '    resource: hooks', //                                            15
        '    requesters: [alice@example.com]', //                            16
        '    approvers: [group:sre]', //                                     17
        '    max_duration: 30m', //                                          18
        '    default_duration: 1h', //                                       19 cross-field
        '',
      ].join('\n'),
    );
    const out: string[] = [];
    const err: string[] = [];
    const code = await runPolicyCommand(['check', file], { out: (s) => out.push(s), err: (s) => err.push(s), env: {}, providers: fakeProviders });
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err.join('\n')).toBe(
      [
        `✗ ${file}: 6 problems, 3 warnings`,
        '  groups.sre[2]: "bob" is not a member (use an email, slack:U123ABC, teams:<id> or group:NAME)  (line 3, column 45)',
        '  resources.orders-db.url: must start with "db://"  (line 5, column 34)',
        '  roles.readonly.resource: unknown resource "orders-dbb" (did you mean "orders-db"?)  (line 10, column 5)',
        '  roles.readonly.requesters[0]: unknown group "engineers" (groups: sre)  (line 11, column 18)',
        '  roles.readonly.max_duration: "9x" is not a duration (try 30m, 2h, 1h30m, 1d)  (line 13, column 5)',
        '  roles.deploy.default_duration: 1h is longer than max_duration (30m)  (line 19, column 5)',
        '  ⚠ resources.orders-db: no role uses this resource  (line 5, column 3)', // readonly names orders-dbb
        '  ⚠ resources.hooks.secret: environment variable HOOK_SECRET is not set (its value goes unchecked here; the bot will not start without it)  (line 6, column 45)',
        '  ⚠ resources.spare: no role uses this resource  (line 7, column 3)',
      ].join('\n'),
    );
  });
});
