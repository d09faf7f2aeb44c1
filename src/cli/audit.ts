/** accessbot audit verify | checkpoint | export | digest */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chainState } from '../audit/chain.ts';
import { checkpointLine, checkpointRecord, makeCheckpoint, parseCheckpointArg, parseCheckpointFile, type Checkpoint } from '../audit/checkpoint.ts';
import { buildDigest, digestLookbackMs } from '../audit/digest.ts';
import { DIGEST_FORMATS, formatDigest, type DigestFormat } from '../audit/digest-format.ts';
import { exportAudit } from '../audit/export.ts';
import { auditKeyringFor, keyStateProblem, type AuditKeyring } from '../audit/key.ts';
import { verifyAuditChain, type VerifyResult } from '../audit/verify.ts';
import { parseLocalOrIso } from '../audit/zoned-time.ts';
import { loadEnv } from '../config/env.ts';
import { loadPolicyOrThrow } from '../config/startup-policy.ts';
import { systemClock } from '../domain/clock.ts';
import { EXIT, UsageError, parseSince, processIo, type CliIo } from './io.ts';
import { openConfiguredStore } from './store.ts';

const AUDIT_USAGE =
  'usage: accessbot audit verify [--checkpoint SEQ:HASH]… [--checkpoint-file FILE]… | audit checkpoint [--json] | audit export --format jsonl|csv [--since DATE] | audit digest --since DATE [--until DATE] [--format text|markdown|json]';
const VERIFY_USAGE = 'usage: accessbot audit verify [--checkpoint SEQ:HASH]… [--checkpoint-file FILE]…';
const VERIFY_HELP = `${VERIFY_USAGE}

Checks every row of the audit log: the hash chain, and from the audit.keyed row on the HMAC of the audit key
(ACCESSBOT_AUDIT_KEY, else derived from ACCESSBOT_SECRET_KEY; earlier keys in ACCESSBOT_AUDIT_PREVIOUS_KEYS).
Prints the full head hash. Exit 0 intact, 1 tampered (or not checkable: a key is missing).

  --checkpoint SEQ:HASH    a checkpoint kept off the machine (the audit channel's "Audit checkpoint" posts):
                           row SEQ must still have HASH, and the chain from it must verify. Repeatable.
  --checkpoint-file FILE   checkpoints, one per line: the "accessbot-checkpoint v1 …" lines as posted (or pasted
                           chat messages containing them), the sink's JSON records, or SEQ:HASH. Signed ones are
                           checked against the audit key. Repeatable.`;
const CHECKPOINT_USAGE = 'usage: accessbot audit checkpoint [--json]';
const DIGEST_USAGE = 'usage: accessbot audit digest --since DATE [--until DATE] [--format text|markdown|json]';

const HELP = `${AUDIT_USAGE}

  verify      walk the chain (keyed with the audit key from its audit.keyed row on) and print the full head hash;
              exit 1 naming the first row that was edited, deleted or inserted out of order. --checkpoint SEQ:HASH
              or --checkpoint-file FILE also prove the log against checkpoints posted earlier
  checkpoint  print a signed checkpoint of the current head (what the audit channel gets every 15 minutes),
              to keep elsewhere: the text line, or --json as the sink receives it
  export      print the log for auditors: --format jsonl (default) or csv, --since YYYY-MM-DD or an ISO time
  digest      who had what access, when and why, from --since to --until (default now): the content the audit
              channel gets. DATE is YYYY-MM-DD or YYYY-MM-DDTHH:MM in the policy's timezone, or an ISO time with
              a zone. --format text (default), markdown (as posted) or json`;

export async function runAuditCommand(args: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === 'help') {
    io.out(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === 'verify') return await verify(rest, io);
  if (command === 'checkpoint') return await printCheckpoint(rest, io);
  if (command === 'export') {
    const { values } = parseArgs({ args: rest, options: { format: { type: 'string', default: 'jsonl' }, since: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
    if (values.help) return (io.out('usage: accessbot audit export --format jsonl|csv [--since DATE]'), EXIT.ok);
    if (values.format !== 'jsonl' && values.format !== 'csv') throw new UsageError(`--format must be jsonl or csv, not "${values.format}"`);
    const since = values.since === undefined ? undefined : parseSince(values.since);
    const store = await openConfiguredStore(loadEnv(io.env));
    try {
      const out = lineSink(io);
      for await (const line of exportAudit(store, values.format, since)) await out.line(line);
      await out.end();
      return EXIT.ok;
    } finally {
      await store.close();
    }
  }
  if (command === 'digest') return await printDigest(rest, io);
  throw new UsageError(`unknown audit command "${command}"\n${AUDIT_USAGE}`);
}

/** Bytes gathered before one write to stdout. */
const OUT_CHUNK = 64 * 1024;

/**
 * Where an export's lines go. To the process's stdout they leave in ~64 KB writes: stdout to a file or pipe is
 * a synchronous write per call on Linux, and one per line was a third of a 1M-row export. Any other CliIo (tests)
 * still gets one `out` per line.
 */
function lineSink(io: CliIo): { line(text: string): Promise<void>; end(): Promise<void> } {
  if (io !== processIo) return { line: async (text) => io.out(text), end: async () => undefined };
  let chunk = '';
  const flush = async (): Promise<void> => {
    const text = chunk;
    chunk = '';
    if (text !== '' && !process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  };
  return {
    line: async (text) => {
      chunk += `${text}\n`;
      if (chunk.length >= OUT_CHUNK) await flush();
    },
    end: flush,
  };
}

async function verify(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { checkpoint: { type: 'string', multiple: true }, 'checkpoint-file': { type: 'string', multiple: true }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) return (io.out(VERIFY_HELP), EXIT.ok);
  const checkpoints: Checkpoint[] = [];
  for (const text of values.checkpoint ?? []) {
    const checkpoint = parseCheckpointArg(text);
    if (!checkpoint) throw new UsageError(`--checkpoint: "${text}" is not SEQ:HASH (a row number, a colon and the row's 64-hex-character hash, as in the audit channel's checkpoint posts)\n${VERIFY_USAGE}`);
    checkpoints.push(checkpoint);
  }
  for (const file of values['checkpoint-file'] ?? []) checkpoints.push(...readCheckpointFile(file, io));
  const config = loadEnv(io.env);
  const keyring = auditKeyringFor(config);
  const store = await openConfiguredStore(config);
  try {
    const result = await verifyAuditChain(store, { keyring, checkpoints });
    report(result, keyring, io);
    return result.ok ? EXIT.ok : EXIT.failed;
  } finally {
    await store.close();
  }
}

function readCheckpointFile(file: string, io: CliIo): Checkpoint[] {
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd ?? process.cwd(), file), 'utf8');
  } catch (error) {
    throw new UsageError(`--checkpoint-file: cannot read ${file} (${error instanceof Error ? error.message : String(error)})`);
  }
  const { checkpoints, problems } = parseCheckpointFile(text);
  if (problems.length > 0) throw new UsageError(`--checkpoint-file ${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  if (checkpoints.length === 0) throw new UsageError(`--checkpoint-file ${file} holds no checkpoint`);
  return checkpoints;
}

function report(result: VerifyResult, keyring: AuditKeyring, io: CliIo): void {
  const keying = result.keying;
  if (!result.ok) {
    if (result.kind === 'unverifiable') io.err(`✗ cannot verify the audit log from row ${result.seq}: ${result.problem}`);
    else if (result.kind === 'unkeyed') io.err(`✗ audit log not keyed: ${result.problem}`);
    else io.err(`✗ audit log tampered at row ${result.seq}: ${result.problem}`);
    return;
  }
  io.out(`✓ audit log intact: ${result.rows} events`);
  io.out(result.rows > 0 ? `  head: #${result.headSeq} sha256 ${result.headHash}` : '  head: none (the log is empty)');
  if (keying.keyedFrom !== null) {
    const before = keying.keyedFrom > 1 ? ` (rows 1–${keying.keyedFrom - 1} were written before keying: hash-chained only)` : '';
    const rotated = keying.keys.length > 1 ? `; keys in turn: ${keying.keys.join(' → ')}` : '';
    io.out(`  keyed: HMAC-SHA256 from row ${keying.keyedFrom} on, now with audit key ${keying.keyId ?? '?'}${rotated}${before}`);
  } else {
    io.out('  keyed: no (plain SHA-256 chain)');
  }
  for (const { checkpoint, signature } of result.checkpoints) {
    const taken = checkpoint.at !== null ? ` taken ${new Date(checkpoint.at).toISOString()}` : '';
    const signed = signature === 'signed' ? `, signed by audit key ${checkpoint.keyId}` : signature === 'key missing' ? `, signature not checked (audit key ${checkpoint.keyId} is not configured)` : ', unsigned';
    io.out(`  checkpoint #${checkpoint.seq}${taken}${signed}: matches`);
  }
  const problem = keyStateProblem(keyring, keying.keyId);
  if (problem) io.err(`⚠ ${problem.message}`);
  if (result.checkpoints.length === 0) io.err('  (to prove the log was not rewritten by someone holding the database and the key, also pass --checkpoint SEQ:HASH from a checkpoint posted earlier)');
}

async function printCheckpoint(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, help: { type: 'boolean' } }, strict: true });
  if (values.help) {
    io.out(`${CHECKPOINT_USAGE}\n\nPrints a checkpoint of the current audit chain head (sequence, full hash, time), signed with the audit key.\nKeep it off this machine; \`accessbot audit verify --checkpoint-file FILE\` proves the log against it later.`);
    return EXIT.ok;
  }
  const config = loadEnv(io.env);
  const keyring = auditKeyringFor(config);
  const store = await openConfiguredStore(config);
  try {
    const state = await chainState(store);
    if (!state.last) {
      io.err('the audit log is empty: nothing to checkpoint yet');
      return EXIT.failed;
    }
    const checkpoint = makeCheckpoint(state.last, systemClock.now(), keyring.current);
    io.out(values.json ? JSON.stringify(checkpointRecord(checkpoint)) : checkpointLine(checkpoint));
    const problem = keyStateProblem(keyring, state.key);
    if (problem) io.err(`⚠ ${problem.message}`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
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
