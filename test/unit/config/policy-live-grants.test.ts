/** `policy check --db`: warns about live grants whose role or resource the checked policy removes or moves. */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../db/store/open.ts';
import { runPolicyCommand } from '../../../src/cli/policy.ts';
import { rememberGoodPolicy } from '../../../src/app/last-good-policy.ts';
import { basePolicy, baseEnv, fakeProviders } from './fixtures.ts';

let dir: string;
let dbPath: string;
const EXPIRES = Date.parse('2030-01-01T12:00:00Z');

/** Three live grants: alice readonly on orders-db, bob deploy on hooks, carol old-role on orders-db; and one revoked. */
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'accessbot-live-'));
  dbPath = join(dir, 'accessbot.db');
  const store = openSqliteStore(dbPath);
  const seed = [
    { email: 'alice@example.com', role: 'readonly', resource: 'orders-db', status: 'active' as const },
    { email: 'bob@example.com', role: 'deploy', resource: 'hooks', status: 'active' as const },
    { email: 'carol@example.com', role: 'old-role', resource: 'orders-db', status: 'granting' as const },
    { email: 'dave@example.com', role: 'deploy', resource: 'hooks', status: 'revoked' as const },
  ];
  await store.tx(async (uow) => {
    for (const [i, s] of seed.entries()) {
      const request = await uow.insertRequest({
        kind: 'access',
        role: s.role,
        resource: s.resource,
        requesterKey: s.email,
        requesterEmail: s.email,
        requesterSlackId: null,
        requesterTeamsId: null,
        requesterName: null,
        durationMs: 3_600_000,
        reason: 'seed',
        ticket: null,
        breakGlass: false,
        autoApproved: true,
        approvalsRequired: 1,
        status: 'approved',
        origin: 'test',
        createdAt: EXPIRES - 3_600_000,
        lapsesAt: EXPIRES,
      });
      await uow.insertGrant({
        id: `g${i}`,
        requestId: request.id,
        role: s.role,
        resource: s.resource,
        status: s.status,
        startsAt: EXPIRES - 3_600_000,
        expiresAt: EXPIRES,
        nextAttemptAt: null,
        createdAt: EXPIRES - 3_600_000,
        updatedAt: EXPIRES - 3_600_000,
      });
    }
  });
  await store.close();
});

async function check(policy: unknown, ...flags: string[]) {
  const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(policy));
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPolicyCommand(['check', file, ...flags], { out: (s) => out.push(s), err: (s) => err.push(s), env: baseEnv, providers: fakeProviders, cwd: dir });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('policy check --db', () => {
  it('names each live grant the policy strands, and still exits 0', async () => {
    const policy = basePolicy();
    delete (policy.resources as Record<string, unknown>).hooks; // bob's deploy grant loses its resource
    delete policy.roles.deploy;
    policy.resources['other-db'] = { provider: 'fakedb', url: 'db://other' };
    policy.roles.readonly!.resource = 'other-db'; // alice's grant stays on orders-db
    policy.roles.writer = { resource: 'orders-db', grant: { roles: ['w'] }, requesters: ['group:engineers'], approvers: ['group:sre'], max_duration: '1h' };
    const result = await check(policy, '--db', dbPath);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines).toContain(`  live grants affected by this policy (${dbPath}):`);
    const stranded = lines.filter((l) => l.startsWith('  ⚠ AR-'));
    expect(stranded).toEqual([
      '  ⚠ AR-1 (alice@example.com, "readonly" on orders-db, active until 2030-01-01T12:00:00.000Z): role "readonly" now uses other-db; this grant stays on orders-db and is revoked there',
      '  ⚠ AR-2 (bob@example.com, "deploy" on hooks, active until 2030-01-01T12:00:00.000Z): this policy removes resource hooks, and no policy kept in the database has it, so the bot could not revoke it at the target (no provider; the revoke keeps retrying with alerts); revoke it first (accessbot grants revoke AR-2 --reason …) or keep it until the grant ends',
      '  ⚠ AR-3 (carol@example.com, "old-role" on orders-db, granting until 2030-01-01T12:00:00.000Z): this policy removes role "old-role": the grant cannot be extended, and its revoke is sent without the role\'s grant parameters (no policy kept in the database has it); revoke it first (accessbot grants revoke AR-3 --reason …) or keep it until the grant ends',
    ]);
  });

  it('says the revoke still reaches the target when a policy kept in the database knew the role and resource', async () => {
    // The bot kept the policy that granted them (it keeps each good policy it loads).
    const before = basePolicy();
    before.roles['old-role'] = { resource: 'orders-db', grant: { roles: ['r'] }, requesters: ['group:engineers'], approvers: ['group:sre'], max_duration: '1h' };
    const keptDb = join(dir, 'kept.db');
    copyFileSync(dbPath, keptDb);
    const store = openSqliteStore(keptDb);
    const text = stringify(before);
    await store.tx((uow) => rememberGoodPolicy(uow, { hash: createHash('sha256').update(text).digest('hex'), text }, 1));
    await store.close();

    const policy = basePolicy();
    delete (policy.resources as Record<string, unknown>).hooks;
    delete policy.roles.deploy;
    const result = await check(policy, '--db', keptDb);
    expect(result.code).toBe(0);
    expect(result.out.split('\n').filter((l) => l.startsWith('  ⚠ AR-'))).toEqual([
      '  ⚠ AR-2 (bob@example.com, "deploy" on hooks, active until 2030-01-01T12:00:00.000Z): this policy removes resource hooks; the bot still revokes it there, with the last policy in its database that had hooks (its provider settings as then), but it cannot be extended',
      '  ⚠ AR-3 (carol@example.com, "old-role" on orders-db, granting until 2030-01-01T12:00:00.000Z): this policy removes role "old-role": the grant cannot be extended; its revoke uses the role\'s grant parameters from the last policy in the database that had it',
    ]);
  });

  it('says so when no live grant is affected', async () => {
    const policy = basePolicy();
    policy.roles['old-role'] = { resource: 'orders-db', grant: { roles: ['r'] }, requesters: ['group:engineers'], approvers: ['group:sre'], max_duration: '1h' };
    const result = await check(policy, '--db', dbPath);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`  live grants: none affected (${dbPath})`);
  });

  it('uses the configured store with --live-grants, and never creates a database', async () => {
    const viaEnv = await runPolicyCommand(['check', '--live-grants'], {
      out: () => {},
      err: () => {},
      env: { ...baseEnv, ACCESSBOT_POLICY: join(dir, 'nothing.yaml') },
      providers: fakeProviders,
      cwd: dir,
    });
    expect(viaEnv).toBe(1); // the policy file does not exist

    const policy = basePolicy();
    const missing = await check(policy, '--db', 'nope.db');
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`✗ live grants not checked: no database at ${join(dir, 'nope.db')}`);

    const file = join(dir, 'configured.yaml');
    writeFileSync(file, stringify(policy));
    const out: string[] = [];
    const code = await runPolicyCommand(['check', file, '--live-grants'], {
      out: (s) => out.push(s),
      err: (s) => out.push(s),
      env: { ...baseEnv, ACCESSBOT_DB: dbPath },
      providers: fakeProviders,
      cwd: dir,
    });
    expect(code).toBe(0);
    expect(out.join('\n')).toContain(`live grants affected by this policy (${dbPath}):`);
  });
});
