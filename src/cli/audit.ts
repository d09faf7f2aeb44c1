/** accessbot audit verify | export */
import { parseArgs } from 'node:util';
import { openDatabase } from '../../db/client.ts';
import { exportAudit } from '../audit/export.ts';
import { verifyAuditChain } from '../audit/verify.ts';
import { loadEnv } from '../config/env.ts';
import { EXIT, UsageError, parseSince, type CliIo } from './io.ts';

export const AUDIT_USAGE = 'usage: accessbot audit verify | audit export --format jsonl|csv [--since DATE]';

const HELP = `${AUDIT_USAGE}

  verify    walk the hash chain; exit 1 naming the first row that was edited, deleted or inserted out of order
  export    print the log for auditors: --format jsonl (default) or csv, --since YYYY-MM-DD or an ISO time`;

export async function runAuditCommand(args: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === 'help') {
    io.out(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === 'verify') {
    if (rest.includes('--help')) return (io.out('usage: accessbot audit verify\n\nChecks every row of the audit log against the hash chain. Exit 0 intact, 1 tampered.'), EXIT.ok);
    const db = openDatabase(loadEnv(io.env).dbPath);
    try {
      const result = verifyAuditChain(db);
      if (result.ok) {
        io.out(`✓ audit log intact: ${result.rows} events, head ${result.headHash.slice(0, 16)}…`);
        return EXIT.ok;
      }
      io.err(`✗ audit log tampered at row ${result.seq}: ${result.problem}`);
      return EXIT.failed;
    } finally {
      db.close();
    }
  }
  if (command === 'export') {
    const { values } = parseArgs({ args: rest, options: { format: { type: 'string', default: 'jsonl' }, since: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
    if (values.help) return (io.out('usage: accessbot audit export --format jsonl|csv [--since DATE]'), EXIT.ok);
    if (values.format !== 'jsonl' && values.format !== 'csv') throw new UsageError(`--format must be jsonl or csv, not "${values.format}"`);
    const since = values.since === undefined ? undefined : parseSince(values.since);
    const db = openDatabase(loadEnv(io.env).dbPath);
    try {
      for (const line of exportAudit(db, values.format, since)) io.out(line);
      return EXIT.ok;
    } finally {
      db.close();
    }
  }
  throw new UsageError(`unknown audit command "${command}"\n${AUDIT_USAGE}`);
}
