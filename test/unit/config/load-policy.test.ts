import { describe, expect, it } from 'vitest';
import { formatProblems } from '../../../src/config/load-policy.ts';
import { basePolicy, load, problemsOf } from './fixtures.ts';

describe('loadPolicyText: limits', () => {
  it('applies the default filing limits when the file has no limits: section, and reads each one given', () => {
    const plain = load(basePolicy());
    expect(plain.ok && plain.policy.limits).toEqual({ burst: 5, refillEveryMs: 60_000, maxOpenRequests: 5, breakGlassBurst: 3 });
    const policy = basePolicy();
    Object.assign(policy, { limits: { burst: 2, refill_every: '30s', max_open_requests: 1 } });
    const loaded = load(policy);
    expect(loaded.ok && loaded.policy.limits).toEqual({ burst: 2, refillEveryMs: 30_000, maxOpenRequests: 1, breakGlassBurst: 3 });
  });

  it('names a bad limit and an unknown key', () => {
    const policy = basePolicy();
    Object.assign(policy, { limits: { burst: 0, refill_every: 'soon', max_open: 3 } });
    const problems = problemsOf(policy).join('\n');
    expect(problems).toContain('limits.burst');
    expect(problems).toContain('"soon" is not a duration');
    expect(problems).toMatch(/limits.*max_open.*max_open_requests/s);
  });
});

describe('loadPolicyText: a valid policy', () => {
  it('resolves groups, lower-cases emails, converts durations and applies defaults', () => {
    const result = load(basePolicy());
    if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
    const { policy } = result;
    expect(policy.timezone).toBe('UTC');
    expect(policy.minDurationMs).toBe(60_000);
    expect(policy.channels).toEqual({});
    expect(policy.digest).toBeUndefined();
    expect([...policy.groups.get('sre')!]).toEqual(['bob@example.com', 'carol@example.com', 'erin@example.com']);
    expect([...policy.groups.get('engineers')!]).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com', 'erin@example.com']);

    const readonly = policy.roles.readonly!;
    expect([...readonly.requesters]).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com', 'erin@example.com']);
    expect(readonly.approvalsRequired).toBe(1);
    expect(readonly.maxDurationMs).toBe(4 * 3_600_000);
    expect(readonly.defaultDurationMs).toBe(3_600_000); // min(1h, 4h)
    expect(readonly.requestTtlMs).toBe(3_600_000);
    expect(readonly.requireTicket).toBeNull();
    expect(readonly.breakGlass).toBe(false);
    expect(readonly.autoApprove).toBeUndefined();
    expect(readonly.grant).toEqual({ roles: ['reader'] });

    const deploy = policy.roles.deploy!;
    expect(deploy.defaultDurationMs).toBe(30 * 60_000); // min(1h, 30m)
    expect(deploy.grant).toEqual({});
    expect(policy.resources['orders-db']).toEqual({ name: 'orders-db', provider: 'fakedb', settings: { url: 'db://orders', pool: 2 } });
  });

  it('reads every optional field', () => {
    const policy = basePolicy();
    Object.assign(policy, {
      timezone: 'europe/berlin',
      min_duration: '5s',
      channels: { approvals: { slack: 'C0APPROVALS', teams: '19:a@thread.tacv2' }, audit: { slack: 'C0AUDIT' } },
      digest: { schedule: '0 9 * * 1-5' },
    });
    Object.assign(policy.roles.readonly!, {
      description: 'Read-only',
      approvals_required: 2,
      default_duration: '1h30m',
      request_ttl: '15m',
      auto_approve: { max_duration: '15m' },
      require_ticket: '^INC-[0-9]+$',
      break_glass: true,
    });
    policy.roles.deploy!.require_ticket = true;
    const result = load(policy);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const { policy: p } = result;
    expect(p.timezone).toBe('Europe/Berlin');
    expect(p.minDurationMs).toBe(5_000);
    expect(p.channels).toEqual({ approvals: { slack: 'C0APPROVALS', teams: '19:a@thread.tacv2' }, audit: { slack: 'C0AUDIT' } });
    expect(p.digest).toEqual({ schedule: '0 9 * * 1-5' });
    expect(p.roles.readonly).toMatchObject({
      description: 'Read-only',
      approvalsRequired: 2,
      defaultDurationMs: 90 * 60_000,
      requestTtlMs: 15 * 60_000,
      autoApprove: { maxDurationMs: 15 * 60_000 },
      requireTicket: '^INC-[0-9]+$',
      breakGlass: true,
    });
    expect(p.roles.deploy!.requireTicket).toBe('');
  });

  it('warns, without failing, about a role nobody can request, an unused resource and a digest with no audit channel', () => {
    const policy = basePolicy();
    policy.roles.deploy!.requesters = [];
    policy.resources.spare = { provider: 'fakedb', url: 'db://spare' };
    policy.digest = { schedule: '0 9 * * *' };
    const result = load(policy);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    // In file order, like the errors.
    expect(result.warnings).toEqual([
      'resources.spare: no role uses this resource',
      'roles.deploy.requesters: nobody can request this role (the list is empty once groups are expanded)',
      'digest: a digest schedule is set but channels.audit is not, so the digest is never posted',
    ]);
  });
});

describe('loadPolicyText: per-role approvals channel', () => {
  it("routes a role's cards to its own channel(s) and checks the ids like the policy's", () => {
    const policy = basePolicy();
    Object.assign(policy.roles.deploy!, { channels: { approvals: { slack: 'C0DEPLOYS', teams: '19:deploys@thread.tacv2' } } });
    const result = load(policy);
    if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
    expect(result.policy.roles.deploy!.approvalsChannel).toEqual({ slack: 'C0DEPLOYS', teams: '19:deploys@thread.tacv2' });
    expect(result.policy.roles.readonly!.approvalsChannel).toBeUndefined();

    const bad = basePolicy();
    Object.assign(bad.roles.deploy!, { channels: { approvals: { slack: 'C0DEPLOYS', discord: 'x' } } });
    expect(problemsOf(bad).some((p) => p.startsWith('roles.deploy.channels.approvals'))).toBe(true);
  });
});

describe('loadPolicyText: schema problems, each with its path', () => {
  it.each([
    ['version', (p: ReturnType<typeof basePolicy>) => (p.version = 2), 'version: must be 1 (the only policy format so far)'],
    ['a bad duration', (p: ReturnType<typeof basePolicy>) => (p.roles.readonly!.max_duration = '9x'), 'roles.readonly.max_duration: "9x" is not a duration (try 30m, 2h, 1h30m, 1d)'],
    ['a number as duration', (p: ReturnType<typeof basePolicy>) => (p.roles.readonly!.max_duration = 30), 'roles.readonly.max_duration: 30 is not a duration (try 30m, 2h, 1h30m, 1d)'],
    ['a missing required field', (p: ReturnType<typeof basePolicy>) => delete p.roles.readonly!.approvers, 'roles.readonly.approvers: is required'],
    ['a missing required section', (p: ReturnType<typeof basePolicy>) => delete (p as Record<string, unknown>).roles, 'roles: is required'],
    ['a fractional count', (p: ReturnType<typeof basePolicy>) => (p.roles.readonly!.approvals_required = 1.5), 'roles.readonly.approvals_required: expected a whole number, got 1.5'],
    ['a zero count', (p: ReturnType<typeof basePolicy>) => (p.roles.readonly!.approvals_required = 0), 'roles.readonly.approvals_required: must be at least 1'],
    ['a list given as text', (p: ReturnType<typeof basePolicy>) => (p.roles.readonly!.requesters = 'alice@example.com'), 'roles.readonly.requesters: expected a list, got "alice@example.com"'],
    ['an empty value', (p: ReturnType<typeof basePolicy>) => (p.roles.readonly!.approvers = null), 'roles.readonly.approvers: expected a list, got nothing'],
    ['a bad member', (p: ReturnType<typeof basePolicy>) => (p.groups.sre = ['bob']), 'groups.sre[0]: "bob" is not a member (use an email, slack:U123ABC, teams:<id> or group:NAME)'],
    ['a lower-case slack id', (p: ReturnType<typeof basePolicy>) => (p.groups.sre = ['slack:u1']), 'groups.sre[0]: "slack:u1" is not a Slack user id (Slack ids are upper case, e.g. slack:U0123ABCD)'],
    ['a bad role name', (p: ReturnType<typeof basePolicy>) => (p.roles['read only'] = p.roles.readonly!), 'roles.read only: "read only" is not a valid role name (use at most 64 letters, digits, ".", "-" and "_", no spaces)'],
    ['a role name too long for chat menus', (p: ReturnType<typeof basePolicy>) => (p.roles['r'.repeat(65)] = p.roles.readonly!), `roles.${'r'.repeat(65)}: "${'r'.repeat(65)}" is not a valid role name (use at most 64 letters, digits, ".", "-" and "_", no spaces)`],
    ['a bad ticket regex', (p: ReturnType<typeof basePolicy>) => (p.roles.readonly!.require_ticket = '^INC-['), 'roles.readonly.require_ticket: "^INC-[" is not a valid regular expression'],
    ['a bad ticket type', (p: ReturnType<typeof basePolicy>) => (p.roles.readonly!.require_ticket = 3), 'roles.readonly.require_ticket: expected true, false or a regular expression such as "^INC-[0-9]+$"'],
    ['a bad time zone', (p: ReturnType<typeof basePolicy>) => (p.timezone = 'Mars/Base'), 'timezone: "Mars/Base" is not a time zone (use an IANA name such as UTC or Europe/Berlin)'],
    ['a bad cron schedule', (p: ReturnType<typeof basePolicy>) => (p.digest = { schedule: 'every day' }), 'digest.schedule: "every day" is not a cron expression (e.g. "0 9 * * 1-5" for 09:00 on weekdays)'],
    ['an empty channel id', (p: ReturnType<typeof basePolicy>) => (p.channels = { approvals: { slack: ' ' } }), 'channels.approvals.slack: must not be empty (a channel id such as C0123ABCD or 19:…@thread.tacv2)'],
    ['a misspelt key', (p: ReturnType<typeof basePolicy>) => (p.roles.readonly!.max_durration = '1h'), 'roles.readonly.max_durration: unknown key (did you mean "max_duration"?)'],
    ['a misspelt top-level key', (p: ReturnType<typeof basePolicy>) => (p.rolse = {}), 'rolse: unknown key (did you mean "roles"?)'],
    ['a foreign key', (p: ReturnType<typeof basePolicy>) => (p.roles.readonly!.auto_approve = { max_duration: '5m', whenever: true }), 'roles.readonly.auto_approve.whenever: unknown key (known keys: max_duration)'],
  ])('%s', (_name, mutate, expected) => {
    const policy = basePolicy();
    mutate(policy);
    expect(problemsOf(policy)).toContain(expected);
  });

  it('reports YAML syntax errors with line and column', () => {
    const result = load('version: 1\nroles:\n  a: [1\n  b: 2\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatchObject({ path: '', line: 4, column: 3 });
    expect(result.errors[0]!.message).toMatch(/^YAML syntax: /);
  });

  it('reports duplicate keys as YAML errors', () => {
    const result = load('version: 1\nversion: 1\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ line: 2, message: expect.stringContaining('unique') });
  });

  it('rejects an empty file and a file that is not a mapping', () => {
    expect(problemsOf('')).toEqual([': the policy is empty: it needs at least version: 1, resources: and roles:']);
    expect(problemsOf('- a\n- b\n')).toEqual([': the policy must be a mapping with version:, resources: and roles: at the top']);
  });

  it('points each problem at its line, in file order', () => {
    const yaml = [
      'version: 1', //                         1
      'resources:', //                         2
      '  db: { provider: fakedb, url: "db://x" }', // 3
      'roles:', //                             4
      '  r:', //                               5
      '    resource: db', //                   6
      '    grant: { roles: [a] }', //          7
      '    requesters: [alice@example.com]', // 8
      '    approvers: [bob@example.com]', //   9
      '    max_duration: 9x', //              10
      '    colour: blue', //                   11
      '',
    ].join('\n');
    const result = load(yaml);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { path: 'roles.r.max_duration', message: '"9x" is not a duration (try 30m, 2h, 1h30m, 1d)', line: 10, column: 5 },
      { path: 'roles.r.colour', message: expect.stringMatching(/^unknown key \(known keys: description, resource, grant, /), line: 11, column: 5 },
    ]);
    expect(formatProblems(result.errors, 'accessbot.yaml')).toBe(
      [
        '✗ accessbot.yaml: 2 problems',
        '  roles.r.max_duration: "9x" is not a duration (try 30m, 2h, 1h30m, 1d)  (line 10, column 5)',
        `  roles.r.colour: ${result.errors[1]!.message}  (line 11, column 5)`,
      ].join('\n'),
    );
  });
});

describe('loadPolicyText: rules that relate fields', () => {
  it('needs the role resource to exist, with a hint', () => {
    const policy = basePolicy();
    policy.roles.readonly!.resource = 'orders-dbb';
    expect(problemsOf(policy)).toEqual(['roles.readonly.resource: unknown resource "orders-dbb" (did you mean "orders-db"?)']);
    policy.roles.readonly!.resource = 'zzz';
    expect(problemsOf(policy)).toEqual(['roles.readonly.resource: unknown resource "zzz" (resources: orders-db, hooks)']);
  });

  it('keeps default_duration and auto_approve within max_duration, and every max above min_duration', () => {
    const policy = basePolicy();
    policy.min_duration = '10m';
    Object.assign(policy.roles.readonly!, { default_duration: '5h', auto_approve: { max_duration: '6h' } });
    policy.roles.deploy!.max_duration = '5m';
    expect(problemsOf(policy)).toEqual([
      'roles.readonly.default_duration: 5h is longer than max_duration (4h)',
      'roles.readonly.auto_approve.max_duration: 6h is longer than the role\'s max_duration (4h)',
      'roles.deploy.max_duration: 5m is shorter than min_duration (10m), so no request could ever be filed',
    ]);
    policy.roles.deploy!.max_duration = '1h';
    policy.roles.deploy!.default_duration = '5m';
    expect(problemsOf(policy)).toContain('roles.deploy.default_duration: 5m is shorter than min_duration (10m)');
  });

  it('warns when auto_approve is below min_duration', () => {
    const policy = basePolicy();
    policy.min_duration = '10m';
    policy.roles.readonly!.auto_approve = { max_duration: '5m' };
    const result = load(policy);
    expect(result.ok && result.warnings).toEqual(['roles.readonly.auto_approve.max_duration: 5m is shorter than min_duration (10m), so nothing is ever auto-approved']);
  });

  it('reports unknown groups with a hint, wherever they are used', () => {
    const policy = basePolicy();
    policy.groups.engineers = ['alice@example.com', 'group:sr'];
    policy.roles.readonly!.approvers = ['group:admins'];
    expect(problemsOf(policy)).toEqual([
      'groups.engineers[1]: unknown group "sr" (did you mean "sre"?)',
      'roles.readonly.approvers[0]: unknown group "admins" (groups: sre, engineers)',
    ]);
  });

  it('names a group cycle once, with its members in order', () => {
    const policy = basePolicy();
    policy.groups.a = ['group:b'];
    policy.groups.b = ['group:c', 'x@example.com'];
    policy.groups.c = ['group:a'];
    policy.groups.self = ['group:self'];
    expect(problemsOf(policy)).toEqual([
      'groups.a: groups include each other in a cycle: a → b → c → a',
      'groups.self: groups include each other in a cycle: self → self',
    ]);
  });

  it('needs at least one approver once groups are expanded', () => {
    const policy = basePolicy();
    policy.groups.nobody = [];
    policy.roles.readonly!.approvers = ['group:nobody'];
    expect(problemsOf(policy)).toEqual(['roles.readonly.approvers: nobody can approve this role (the list is empty once groups are expanded)']);
  });

  it('refuses more approvals than there are approvers', () => {
    const policy = basePolicy();
    policy.roles.readonly!.approvals_required = 4;
    expect(problemsOf(policy)).toEqual([
      'roles.readonly.approvals_required: 4 approvals required but only 3 approvers (bob@example.com, carol@example.com, erin@example.com), so no request could ever be approved',
    ]);
  });

  it('refuses a count that a requester who is also an approver could never reach', () => {
    const policy = basePolicy();
    policy.roles.readonly!.approvals_required = 3; // engineers include the 3 SREs: each has only 2 others
    expect(problemsOf(policy)).toEqual([
      'roles.readonly.approvals_required: 3 approvals required but only 3 approvers, and bob@example.com, carol@example.com, erin@example.com ' +
        'are also requesters: nobody approves their own request, so those requesters could never be approved (add approvers or lower approvals_required)',
    ]);
    policy.roles.readonly!.approvals_required = 2; // each SRE still has 2 others
    expect(load(policy).ok).toBe(true);
  });

  it('reserves the role name "help"', () => {
    const policy = basePolicy();
    policy.roles.help = policy.roles.readonly!;
    expect(problemsOf(policy)).toEqual(['roles.help: "help" is reserved for "/request-access help"; pick another role name']);
  });
});

describe('loadPolicyText: resources, providers and env: values', () => {
  it('names a missing environment variable', () => {
    expect(problemsOf(basePolicy(), {})).toEqual(['resources.hooks.secret: environment variable HOOK_SECRET is not set']);
    expect(problemsOf(basePolicy(), { HOOK_SECRET: '' })).toEqual(['resources.hooks.secret: environment variable HOOK_SECRET is not set']);
  });

  it('reads env: values anywhere in a resource, and env:NAME:-default with a warning', () => {
    const policy = basePolicy();
    policy.resources['orders-db'] = { provider: 'fakedb', url: 'env:DB_URL:-db://fallback' };
    let result = load(policy);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.policy.resources['orders-db']!.settings.url).toBe('db://fallback');
    expect(result.policy.resources.hooks!.settings.secret).toBe('a-secret-of-sixteen-chars-or-more');
    expect(result.warnings).toEqual(['resources.orders-db.url: environment variable DB_URL is not set; using the default written in the policy']);

    result = load(policy, { HOOK_SECRET: 'another-secret-long-enough', DB_URL: 'db://real' });
    expect(result.ok && result.policy.resources['orders-db']!.settings.url).toBe('db://real');
    expect(result.ok && result.warnings).toEqual([]);
  });

  it('rejects a malformed env: reference', () => {
    const policy = basePolicy();
    policy.resources.hooks!.secret = 'env:hook secret';
    expect(problemsOf(policy)).toEqual(['resources.hooks.secret: "env:hook secret" is not a valid environment reference (write env:NAME or env:NAME:-default)']);
  });

  it('never repeats a value read from the environment in a problem', () => {
    const result = load(basePolicy(), { HOOK_SECRET: 'tooshort' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'resources.hooks.secret: must be at least 16 characters (value of environment variable HOOK_SECRET, not shown)',
    ]);
    expect(JSON.stringify(result.errors)).not.toContain('tooshort');
  });

  it('needs a known provider kind, listing the known ones', () => {
    const policy = basePolicy();
    policy.resources['orders-db']!.provider = 'fakedbb';
    expect(problemsOf(policy)).toEqual(['resources.orders-db.provider: unknown provider "fakedbb" (did you mean "fakedb"?); known providers: fakedb, hook']);
  });

  it("validates resource settings with the provider's schema, path-precise", () => {
    const policy = basePolicy();
    policy.resources['orders-db'] = { provider: 'fakedb', url: 'http://x', pool: 0, poool: 1 };
    expect(problemsOf(policy)).toEqual([
      'resources.orders-db.url: must start with "db://"', // settings may hold secrets: values are never repeated
      'resources.orders-db.pool: must be at least 1',
      'resources.orders-db.poool: unknown key (did you mean "pool"?)',
    ]);
  });

  it("validates each role's grant with its resource's provider schema", () => {
    const policy = basePolicy();
    policy.roles.readonly!.grant = { roles: [1], rolez: [] };
    expect(problemsOf(policy)).toEqual(['roles.readonly.grant.roles[0]: expected text, got 1', 'roles.readonly.grant.rolez: unknown key (did you mean "roles"?)']);
    policy.roles.readonly!.grant = {};
    expect(problemsOf(policy)).toEqual(['roles.readonly.grant.roles: is required']);
  });
});
