/**
 * Names and emails in the policy that look harmless and are not: roles, groups and resources called after
 * Object.prototype's members ("constructor", "toString", "hasOwnProperty", "__proto__"), and emails with a
 * look-alike character (U+212A KELVIN SIGN lower-cases to "k"). Through the loader, and on to a request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { requestAccess } from '../../../src/app/request-access.ts';
import { review } from '../../../src/app/review.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import type { Policy } from '../../../src/domain/policy.ts';
import { checkNewRequest } from '../../../src/domain/request-rules.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice, bob, carol, testPolicy } from '../../support/policy-fixture.ts';
import { basePolicy, load, problemsOf } from './fixtures.ts';
import { refusal } from '../../support/refusal.ts';

const KELVIN = '\u212A';

const PROTOTYPE_NAMES = `
version: 1
groups:
  constructor: [alice@example.com]
  toString: [bob@example.com]
  hasOwnProperty: [carol@example.com, group:constructor]
resources:
  orders-db: { provider: fakedb, url: "db://orders" }
  constructor: { provider: fakedb, url: "db://constructor" }
roles:
  constructor:
    resource: orders-db
    grant: { roles: [reader] }
    requesters: [group:constructor]
    approvers: [group:toString]
    max_duration: 1h
  toString:
    resource: constructor
    grant: { roles: [reader] }
    requesters: [group:hasOwnProperty]
    approvers: [bob@example.com]
    max_duration: 1h
`;

function loaded(text: string): Policy {
  const result = load(text);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return result.policy;
}


let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('policy names that are also Object.prototype members', () => {
  it('are ordinary names: the loader resolves them, and a name the policy does not define is unknown', () => {
    const policy = loaded(PROTOTYPE_NAMES);
    expect(Object.getPrototypeOf(policy.roles)).toBeNull();
    expect(Object.getPrototypeOf(policy.resources)).toBeNull();
    expect(Object.keys(policy.roles)).toEqual(['constructor', 'toString']);
    const role = (name: string) => policy.roles[name];
    const resource = (name: string) => policy.resources[name];
    expect(role('constructor')!.resource).toBe('orders-db');
    expect(role('toString')!.resource).toBe('constructor');
    expect([...role('toString')!.requesters]).toEqual(['carol@example.com', 'alice@example.com']);
    expect([...policy.groups.get('hasOwnProperty')!]).toEqual(['carol@example.com', 'alice@example.com']);
    expect(resource('constructor')).toEqual({ name: 'constructor', provider: 'fakedb', settings: { url: 'db://constructor', pool: 2 } });
    for (const name of ['hasOwnProperty', 'valueOf', '__proto__', 'isPrototypeOf']) {
      expect(role(name)).toBeUndefined();
      expect(resource(name)).toBeUndefined();
    }
  });

  it('a reference to an undefined one is reported, not resolved to Object.prototype', () => {
    const text = PROTOTYPE_NAMES.replace('resource: constructor', 'resource: hasOwnProperty').replace('requesters: [group:hasOwnProperty]', 'requesters: [group:valueOf]');
    expect(problemsOf(text)).toEqual([
      'roles.toString.resource: unknown resource "hasOwnProperty" (resources: orders-db, constructor)',
      'roles.toString.requesters[0]: unknown group "valueOf" (groups: constructor, toString, hasOwnProperty)',
    ]);
  });

  it('"__proto__" as a group, resource or role name is refused with its path (the schema alone let it pass in silence)', () => {
    const text = PROTOTYPE_NAMES.replace('groups:\n', 'groups:\n  __proto__: [dave@example.com]\n')
      .replace('resources:\n', 'resources:\n  __proto__: { provider: fakedb, url: "db://proto" }\n')
      .replace('roles:\n', 'roles:\n  __proto__:\n    resource: orders-db\n    grant: { roles: [reader] }\n    requesters: [alice@example.com]\n    approvers: [bob@example.com]\n    max_duration: 1h\n');
    const rule = '(use at most 64 letters, digits, ".", "-" and "_", no spaces)';
    expect(problemsOf(text)).toEqual([
      `groups.__proto__: "__proto__" is not a valid group name ${rule}`,
      `resources.__proto__: "__proto__" is not a valid resource name ${rule}`,
      `roles.__proto__: "__proto__" is not a valid role name ${rule}`,
    ]);
  });

  it('env:NAME reads only variables that are set: env:hasOwnProperty is unset, not a function', () => {
    const policy = basePolicy();
    policy.resources.hooks!.secret = 'env:hasOwnProperty';
    expect(problemsOf(policy)).toEqual(['resources.hooks.secret: environment variable hasOwnProperty is not set']);
  });

  it('a request names a role of the policy or none: "constructor" works, "valueOf" and "__proto__" are unknown roles', async () => {
    h = createHarness({ policy: loaded(PROTOTYPE_NAMES) });
    const { view } = await requestAccess(h.ctx, { roleName: 'constructor', requester: alice, durationMs: 30 * 60_000, reason: 'x', origin: 'test' });
    expect(view).toMatchObject({ role: 'constructor', status: 'pending', approverMembers: ['bob@example.com'] });
    await review(h.ctx, { requestId: view.id, reviewer: bob, decision: 'approve' });
    await h.worker.idle();
    expect(h.provider.calls.filter((c) => c.op === 'grant')).toHaveLength(1);
    for (const name of ['valueOf', '__proto__', 'hasOwnProperty', 'isPrototypeOf']) {
      const refused = await refusal(requestAccess(h.ctx, { roleName: name, requester: alice, reason: 'x', origin: 'test' }));
      expect(refused.code).toBe('unknown_role');
      expect(refused.userMessage).toBe(`There is no role called "${name}". Roles you may request: constructor, toString.`);
    }
  });

  it('a request whose role left the policy is refused, not looked up on Object.prototype', async () => {
    h = createHarness({ policy: loaded(PROTOTYPE_NAMES) });
    const { view } = await requestAccess(h.ctx, { roleName: 'toString', requester: carol, durationMs: 30 * 60_000, reason: 'x', origin: 'test' });
    h.ctx.policy = loaded(PROTOTYPE_NAMES.replace(/ {2}toString:\n[\s\S]*$/, ''));
    expect((await refusal(review(h.ctx, { requestId: view.id, reviewer: bob, decision: 'approve' }))).userMessage).toBe('Nobody can review this request: its role is no longer in the policy.');
    expect((await refusal(revokeAccess(h.ctx, { requestId: view.id, actor: bob }))).code).toBe('not_allowed');
  });

  it('the core looks names up as own properties even in a policy built as a plain object', () => {
    const policy = testPolicy();
    for (const name of ['constructor', 'toString', '__proto__']) {
      expect(() => checkNewRequest(policy, { roleName: name, requester: alice, reason: 'x' })).toThrow(`There is no role called "${name}"`);
    }
  });
});

describe('emails in the policy', () => {
  it('must be plain ASCII: a look-alike character is refused with its path, escaped so it shows', () => {
    const policy = basePolicy();
    policy.groups.sre = ['bob@example.com', `${KELVIN}ate@example.com`];
    policy.roles.deploy!.approvers = ['group:sre', 'erin@ex\u0430mple.com'];
    const why = "write emails in ASCII only, since a look-alike character could match someone else's address";
    expect(problemsOf(policy)).toEqual([
      `groups.sre[1]: "\\u{212A}ate@example.com" is not a plain ASCII email (it contains U+212A): ${why}`,
      `roles.deploy.approvers[1]: "erin@ex\\u{430}mple.com" is not a plain ASCII email (it contains U+0430): ${why}`,
    ]);
  });

  it('ASCII ones are still lower-cased, so Kate@Example.com in the policy is kate@example.com', () => {
    const policy = basePolicy();
    policy.roles.deploy!.requesters = ['Kate@Example.COM'];
    const result = load(policy);
    expect(result.ok && [...result.policy.roles.deploy!.requesters]).toEqual(['kate@example.com']);
  });
});
