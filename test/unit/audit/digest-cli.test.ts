import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openSqliteStore } from '../../../db/store/open.ts';
import { buildDigest, digestLookbackMs } from '../../../src/audit/digest.ts';
import { formatDigest, type DigestFormat } from '../../../src/audit/digest-format.ts';
import { runCli } from '../../../src/cli.ts';
import { createHarness } from '../../support/core-harness.ts';
import { H, playStory, SINCE, UNTIL } from './digest-story.ts';

let env: Record<string, string>;
let dbPath: string;

beforeAll(async () => {
  const h = createHarness();
  await playStory(h);
  dbPath = h.dbPath;
  await h.close();
  const policyPath = join(dirname(dbPath), 'policy.yaml');
  writeFileSync(
    policyPath,
    `version: 1
timezone: Europe/Berlin
resources:
  orders-db: { provider: webhook, url: "http://127.0.0.1:9/access", secret: env:HOOK_SECRET }
roles:
  readonly: { resource: orders-db, requesters: [alice@example.com], approvers: [bob@example.com], max_duration: 4h }
`,
  );
  env = { ACCESSBOT_DB: dbPath, ACCESSBOT_POLICY: policyPath, HOOK_SECRET: 'a-very-long-test-secret-123' };
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function expected(since: number, until: number, format: DigestFormat): Promise<string> {
  const store = openSqliteStore(dbPath, { migrate: false });
  try {
    return formatDigest(await buildDigest(store, { since, until, timezone: 'Europe/Berlin', lookbackMs: digestLookbackMs([4 * H]) }), format);
  } finally {
    await store.close();
  }
}

describe('accessbot audit digest', () => {
  it.each(['markdown', 'text', 'json'] as const)('prints exactly what formatDigest gives for the window (%s)', async (format) => {
    const result = await cli(['audit', 'digest', '--since', '2026-01-05T09:00', '--until', '2026-01-06T09:00', '--format', format]);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toBe(await expected(SINCE, UNTIL, format));
  });

  it('reads plain dates in the policy timezone and defaults to text', async () => {
    const result = await cli(['audit', 'digest', '--since', '2026-01-05', '--until', '2026-01-06']);
    expect(result.code).toBe(0);
    // Midnight to midnight in Berlin is 23:00 to 23:00 UTC.
    expect(result.out).toBe(await expected(Date.parse('2026-01-04T23:00:00Z'), Date.parse('2026-01-05T23:00:00Z'), 'text'));
    expect(result.out.split('\n')[1]).toBe('Mon, 5 Jan 2026, 00:00 CET → Tue, 6 Jan 2026, 00:00 CET (Europe/Berlin)');
  });

  it('reproduces a period with the command the digest itself prints', async () => {
    const markdown = await expected(SINCE, UNTIL, 'markdown');
    const command = /`accessbot audit digest (--since \S+ --until \S+)`/.exec(markdown)![1]!.split(' ');
    const result = await cli(['audit', 'digest', ...command, '--format', 'markdown']);
    expect(result.out).toBe(markdown);
  });

  it('answers bad usage with exit 2 and what would work', async () => {
    expect(await cli(['audit', 'digest'])).toMatchObject({ code: 2, err: expect.stringMatching(/--since is required, e\.g\. --since 2026-11-26/) });
    expect(await cli(['audit', 'digest', '--since', 'last week'])).toMatchObject({ code: 2, err: expect.stringMatching(/"last week" is not a date \(use YYYY-MM-DD/) });
    expect(await cli(['audit', 'digest', '--since', '2026-01-05', '--format', 'html'])).toMatchObject({ code: 2, err: expect.stringMatching(/--format must be text, markdown or json/) });
    expect(await cli(['audit', 'digest', '--since', '2026-01-06', '--until', '2026-01-05'])).toMatchObject({ code: 2, err: '--until must be later than --since' });
    expect((await cli(['audit', 'digest', '--help'])).code).toBe(0);
  });
});

