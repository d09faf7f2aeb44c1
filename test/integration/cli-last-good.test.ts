/**
 * Issue 12, item 9 from the command line: `accessbot grants revoke` still reaches the target while the policy
 * file is invalid (under the last good policy kept in the database, with a warning), and for a grant whose role
 * and resource a new policy removed (with the last kept policy that knew them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { rememberGoodPolicy } from '../../src/app/last-good-policy.ts';
import { requestAccess } from '../../src/app/request-access.ts';
import { review } from '../../src/app/review.ts';
import { runCli } from '../../src/cli.ts';
import { tempDbPath } from '../support/core-harness.ts';
import { withPolicyContext } from '../support/policy-context.ts';

function capture(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env }, out, err };
}

function policyText(base: string, options: { legacy?: boolean; broken?: boolean } = {}): string {
  return `version: 1
resources:
  hook: { provider: webhook, url: "${base}/access", secret: env:HOOK_SECRET }
${options.legacy ? `  legacy-hook: { provider: webhook, url: "${base}/legacy", secret: env:HOOK_SECRET }\n` : ''}roles:
  deploy:
    resource: hook
    requesters: [alice@example.com]
    approvers: [bob@example.com]
    max_duration: ${options.broken ? 'banana' : '2h'}
${options.legacy ? `  legacy:\n    resource: legacy-hook\n    grant: { scope: reports }\n    requesters: [alice@example.com]\n    approvers: [bob@example.com]\n    max_duration: 2h\n` : ''}`;
}

describe('grants revoke with the last good policy', () => {
  let server: Server;
  const events: { path: string; event: string; grant_id: string; params?: unknown }[] = [];
  let env: Record<string, string>;
  let policyPath: string;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        events.push({ path: req.url ?? '', ...(JSON.parse(body) as { event: string; grant_id: string; params?: unknown }) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const dbPath = tempDbPath();
    policyPath = join(dirname(dbPath), 'policy.yaml');
    writeFileSync(policyPath, policyText(base, { legacy: true }));
    env = { ACCESSBOT_DB: dbPath, ACCESSBOT_POLICY: policyPath, HOOK_SECRET: 'a-very-long-test-secret-123' };
    // Two approved grants, and the policy kept as the last good one, as a running bot would have left them.
    await withPolicyContext({ policyPath, dbPath, env }, async (ctx) => {
      const bytes = readFileSync(policyPath);
      await ctx.store.tx((uow) => rememberGoodPolicy(uow, { hash: createHash('sha256').update(bytes).digest('hex'), text: bytes.toString('utf8') }, Date.now()));
      for (const roleName of ['deploy', 'legacy']) {
        const { view } = await requestAccess(ctx, { roleName, requester: { email: 'alice@example.com' }, durationMs: 3_600_000, reason: 'release 42', origin: 'test' });
        await review(ctx, { requestId: view.id, reviewer: { email: 'bob@example.com' }, decision: 'approve' });
      }
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('revokes at the target while the policy file is invalid, and says which policy it used', async () => {
    writeFileSync(policyPath, policyText(base, { legacy: true, broken: true }));
    const revoke = capture(env);
    expect(await runCli(['grants', 'revoke', 'AR-1', '--reason', 'incident over'], revoke.io)).toBe(0);
    expect(revoke.err.join('\n')).toMatch(/policy\.yaml is invalid \(run accessbot policy check\); using the last good policy kept in the database \(sha256 [0-9a-f]{12}\)/);
    expect(revoke.out.join('\n')).toMatch(/AR-1 revoked at the target/);
    expect(events.filter((e) => e.event === 'revoke').map((e) => e.path)).toEqual(['/access']);
  });

  it('revokes a grant whose role and resource the policy removed, through the kept policy that had them', async () => {
    writeFileSync(policyPath, policyText(base));
    const revoke = capture(env);
    expect(await runCli(['grants', 'revoke', 'AR-2', '--reason', 'role retired'], revoke.io)).toBe(0);
    expect(revoke.out.join('\n')).toMatch(/AR-2 revoked at the target/);
    const legacy = events.filter((e) => e.event === 'revoke' && e.path === '/legacy');
    expect(legacy).toHaveLength(1);
    expect(legacy[0]!.params).toEqual({ scope: 'reports' });
  });
});
