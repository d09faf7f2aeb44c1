/** Runbook actions in the policy file, `/access run` words, `policy explain` and `policy test` (issue 15). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAccess } from '../../../src/chat/grammar.ts';
import { runPolicyCommand } from '../../../src/cli/policy.ts';
import { loadPolicyText } from '../../../src/config/load-policy.ts';
import { basePolicy, fakeProviders } from './fixtures.ts';

let dir: string;
let policyFile: string;

function withActions() {
  const policy = basePolicy();
  Object.assign(policy.roles.readonly!, {
    actions: {
      'restart-api': { description: 'Restart the API', run: ['kubectl', 'rollout', 'restart', 'deploy/api'], timeout: '2m', confirm: true },
      'flush-cache': { description: 'Flush the cache', run: ['./flush.sh'] },
    },
  });
  return policy;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'accessbot-policy-actions-'));
  policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, stringify(withActions()));
});

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPolicyCommand(args, { out: (s) => out.push(s), err: (s) => err.push(s), env: {}, providers: fakeProviders, cwd: dir });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('actions in the policy file', () => {
  it('are read with defaults (timeout 1m, no confirm) and durations in milliseconds', () => {
    const loaded = loadPolicyText(stringify(withActions()), { env: { HOOK_SECRET: 'x'.repeat(32) }, providers: fakeProviders });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    expect(loaded.policy.roles.readonly!.actions).toMatchObject({
      'restart-api': { name: 'restart-api', run: ['kubectl', 'rollout', 'restart', 'deploy/api'], timeoutMs: 120_000, confirm: true },
      'flush-cache': { name: 'flush-cache', timeoutMs: 60_000, confirm: false },
    });
    expect(loaded.policy.roles.deploy!.actions).toBeUndefined();
  });

  it('say clearly what is wrong: no program, a shell string, a bad name, too long a time-out, an unknown key', () => {
    const policy = basePolicy();
    Object.assign(policy.roles.readonly!, {
      actions: {
        empty: { description: 'x', run: [] },
        shell: { description: 'x', run: 'kubectl rollout restart deploy/api' },
        'bad name': { description: 'x', run: ['ls'] },
        long: { description: 'x', run: ['ls'], timeout: '2h' },
        typo: { description: 'x', run: ['ls'], confrim: true },
        both: { description: 'x', run: ['ls'], webhook: 'hooks' },
      },
    });
    const loaded = loadPolicyText(stringify(policy), { env: { HOOK_SECRET: 'x'.repeat(32) }, providers: fakeProviders });
    expect(loaded.ok).toBe(false);
    const text = JSON.stringify(loaded.ok ? [] : loaded.errors);
    expect(text).toContain('give the program and its arguments');
    expect(text).toContain('is not a valid action name');
    expect(text).toContain('must be at most 30m');
    expect(text).toContain('confrim');
    expect(text).toContain('give either run');
  });

  it('a webhook action names a webhook resource of the policy', () => {
    const policy = basePolicy();
    Object.assign(policy.roles.readonly!, {
      actions: { notahook: { description: 'x', webhook: 'orders-db' }, nohook: { description: 'x', webhook: 'nope' }, fine: { description: 'x', webhook: 'hooks' } },
    });
    const fake = { ...fakeProviders, webhook: fakeProviders.hook! };
    (policy.resources as Record<string, { provider: string }>).hooks!.provider = 'webhook';
    const loaded = loadPolicyText(stringify(policy), { env: { HOOK_SECRET: 'x'.repeat(32) }, providers: fake });
    const text = JSON.stringify(loaded.ok ? [] : loaded.errors);
    expect(text).toContain('roles.readonly.actions.notahook.webhook');
    expect(text).toContain('resource \\"orders-db\\" is a fakedb resource; an action can call only a webhook resource');
    expect(text).toContain('unknown resource \\"nope\\"');
    expect(text).not.toContain('actions.fine');
  });
});

describe('/access run', () => {
  it('names an action and optionally the request', () => {
    expect(parseAccess('run restart-api')).toEqual({ kind: 'run', action: 'restart-api', requestId: null });
    expect(parseAccess('run restart-api AR-12')).toEqual({ kind: 'run', action: 'restart-api', requestId: 12 });
    expect(parseAccess('run')).toEqual({ kind: 'invalid', problem: { code: 'action_missing' } });
    expect(parseAccess('run <!channel>')).toEqual({ kind: 'invalid', problem: { code: 'not_an_action', word: '<!channel>' } });
    expect(parseAccess('run restart-api AR-12 now')).toMatchObject({ kind: 'invalid', problem: { code: 'not_a_request', verb: 'run' } });
  });
});

describe('policy explain and policy test know about actions', () => {
  it('explain lists what the holder may run, and that only the holder may', async () => {
    const result = await run(['explain', '--user', 'alice@example.com', '--role', 'readonly', '--file', policyFile]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('runbook actions: while the grant is active, alice@example.com (the holder, and nobody else) may run:');
    expect(result.out).toContain('restart-api: Restart the API (kubectl rollout restart deploy/api; stopped after 2m; asks to confirm)');
    expect(result.out).toContain('flush-cache: Flush the cache (./flush.sh; stopped after 1m)');
    const deploy = await run(['explain', '--user', 'alice@example.com', '--role', 'deploy', '--file', policyFile]);
    expect(deploy.out).not.toContain('runbook actions');
  });

  it('test checks can_run and cannot_run', async () => {
    const cases = join(dir, 'cases.yaml');
    writeFileSync(
      cases,
      stringify({
        cases: [
          { user: 'alice@example.com', role: 'readonly', expect: 'allowed', can_run: ['restart-api', 'flush-cache'] },
          { user: 'alice@example.com', role: 'deploy', expect: 'allowed', cannot_run: ['restart-api'] },
          { user: 'mallory@example.com', role: 'readonly', expect: 'refused', cannot_run: ['restart-api'] },
        ],
      }),
    );
    expect((await run(['test', cases, '--policy', policyFile])).code).toBe(0);

    writeFileSync(
      cases,
      stringify({
        cases: [
          { user: 'alice@example.com', role: 'readonly', expect: 'allowed', can_run: ['drop-db'], cannot_run: ['flush-cache'] },
          { user: 'mallory@example.com', role: 'readonly', expect: 'refused', can_run: ['restart-api'] },
        ],
      }),
    );
    const failing = await run(['test', cases, '--policy', policyFile]);
    expect(failing.code).toBe(1);
    expect(failing.out).toContain('the role has no action "drop-db" (its actions: restart-api, flush-cache)');
    expect(failing.out).toContain('may run flush-cache while holding the role');
    expect(failing.out).toContain('may not hold this role, so runs none of its actions');
  });
});
