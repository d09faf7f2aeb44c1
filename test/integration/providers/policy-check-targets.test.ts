/**
 * `accessbot policy check --targets` asks PostgreSQL, read only, whether it would accept each role's grant:
 * a role that owns objects (the holder could hand them to PUBLIC and keep reading after the revoke) is named
 * before anyone requests it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPolicyCommand } from '../../../src/cli/policy.ts';
import { builtinProviders } from '../../../src/providers/registry.ts';
import { detectPostgres } from '../../support/postgres.ts';

const server = await detectPostgres();
const suffix = randomBytes(4).toString('hex');
const OWNER = `accessbot_tt_owner_${suffix}`;
const TABLE = `accessbot_tt_table_${suffix}`;

function policy(roles: Record<string, string>): string {
  return `version: 1
resources:
  orders-db: { provider: postgres, url: "${server.url}" }
roles:
${Object.entries(roles)
  .map(([name, grantRole]) => `  ${name}:\n    resource: orders-db\n    grant: { roles: [${grantRole}] }\n    requesters: [alice@example.com]\n    approvers: [bob@example.com]\n    max_duration: 1h`)
  .join('\n')}
`;
}

async function check(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'accessbot-targets-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, text);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPolicyCommand(['check', file, '--targets'], { out: (s) => out.push(s), err: (s) => err.push(s), env: {}, providers: builtinProviders, cwd: dir });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe.skipIf(server.skipReason)('policy check --targets', () => {
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${OWNER} NOLOGIN`);
    await admin.query(`CREATE TABLE ${TABLE} (id int)`);
    await admin.query(`ALTER TABLE ${TABLE} OWNER TO ${OWNER}`);
    await admin.end();
  });

  afterAll(async () => {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await admin.query(`DROP ROLE IF EXISTS ${OWNER}`);
    await admin.end();
  });

  it('names a role the target would refuse, and fails the check', async () => {
    const result = await check(policy({ readonly: 'pg_read_all_data', owner: OWNER }));
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`roles\\.owner\\.grant: .*${OWNER}.*owns objects`));
    expect(result.err).not.toContain('roles.readonly');
  });

  it('passes when every grant would be accepted', async () => {
    const result = await check(policy({ readonly: 'pg_read_all_data' }));
    expect(result.code).toBe(0);
    expect(result.out).toContain('every checked grant would be accepted');
  });
});
