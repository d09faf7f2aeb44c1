/** accessbot audit verify | export */
import { parseArgs } from 'node:util';
import { buildDigest, digestLookbackMs } from '../audit/digest.ts';
import { DIGEST_FORMATS, formatDigest, type DigestFormat } from '../audit/digest-format.ts';
import { exportAudit } from '../audit/export.ts';
import { verifyAuditChain } from '../audit/verify.ts';
import { parseLocalOrIso } from '../audit/zoned-time.ts';
import { loadEnv } from '../config/env.ts';
import { loadPolicyOrThrow } from '../config/startup-policy.ts';
import { systemClock } from '../domain/clock.ts';
import { EXIT, UsageError, parseSince, type CliIo } from './io.ts';
import { openConfiguredStore } from './store.ts';

const AUDIT_USAGE = 'usage: accessbot audit verify | audit export --format jsonl|csv [--since DATE] | audit digest --since DATE [--until DATE] [--format text|markdown|json]';
const DIGEST_USAGE = 'usage: accessbot audit digest --since DATE [--until DATE] [--format text|markdown|json]';

const HELP = `${AUDIT_USAGE}

  verify    walk the hash chain; exit 1 naming the first row that was edited, deleted or inserted out of order
  export    print the log for auditors: --format jsonl (default) or csv, --since YYYY-MM-DD or an ISO time
  digest    who had what access, when and why, from --since to --until (default now): the content the audit
            channel gets. DATE is YYYY-MM-DD or YYYY-MM-DDTHH:MM in the policy's timezone, or an ISO time with
            a zone. --format text (default), markdown (as posted) or json`;

export async function runAuditCommand(args: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === 'help') {
    io.out(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === 'verify') {
    if (rest.includes('--help')) return (io.out('usage: accessbot audit verify\n\nChecks every row of the audit log against the hash chain. Exit 0 intact, 1 tampered.'), EXIT.ok);
    const store = await openConfiguredStore(loadEnv(io.env));
    try {
      const result = await verifyAuditChain(store);
      if (result.ok) {
        io.out(`✓ audit log intact: ${result.rows} events, head ${result.headHash.slice(0, 16)}…`);
        return EXIT.ok;
      }
      io.err(`✗ audit log tampered at row ${result.seq}: ${result.problem}`);
      return EXIT.failed;
    } finally {
      await store.close();
    }
  }
  if (command === 'export') {
    const { values } = parseArgs({ args: rest, options: { format: { type: 'string', default: 'jsonl' }, since: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
    if (values.help) return (io.out('usage: accessbot audit export --format jsonl|csv [--since DATE]'), EXIT.ok);
    if (values.format !== 'jsonl' && values.format !== 'csv') throw new UsageError(`--format must be jsonl or csv, not "${values.format}"`);
    const since = values.since === undefined ? undefined : parseSince(values.since);
    const store = await openConfiguredStore(loadEnv(io.env));
    try {
      for await (const line of exportAudit(store, values.format, since)) io.out(line);
      return EXIT.ok;
    } finally {
      await store.close();
    }
  }
  if (command === 'digest') return await printDigest(rest, io);
  throw new UsageError(`unknown audit command "${command}"\n${AUDIT_USAGE}`);
}

async function printDigest(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { since: { type: 'string' }, until: { type: 'string' }, format: { type: 'string', default: 'text' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) return (io.out(`${DIGEST_USAGE}\n\nPrints the audit digest (the content posted to the audit channel) for a stretch of time.`), EXIT.ok);
  if (!values.since) throw new UsageError(`--since is required, e.g. --since 2026-11-26\n${DIGEST_USAGE}`);
  if (!(DIGEST_FORMATS as readonly string[]).includes(values.format)) throw new UsageError(`--format must be text, markdown or json, not "${values.format}"`);
  const config = loadEnv(io.env);
  const { policy } = loadPolicyOrThrow(config, io.env);
  const since = digestTime('--since', values.since, policy.timezone);
  const until = values.until === undefined ? systemClock.now() : digestTime('--until', values.until, policy.timezone);
  if (until <= since) throw new UsageError(`--until must be later than --since`);
  const store = await openConfiguredStore(config);
  try {
    const digest = await buildDigest(store, { since, until, timezone: policy.timezone, lookbackMs: digestLookbackMs(Object.values(policy.roles).map((r) => r.maxDurationMs)) });
    io.out(formatDigest(digest, values.format as DigestFormat));
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

function digestTime(flag: string, text: string, timezone: string): number {
  const ms = parseLocalOrIso(text, timezone);
  if (ms === null) throw new UsageError(`${flag}: "${text}" is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM in ${timezone}, or an ISO time such as 2026-11-27T08:00:00Z)`);
  return ms;
}
