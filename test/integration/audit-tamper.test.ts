/**
 * Someone with write access to the SQLite file edits, deletes or re-orders audit rows: verify names the row.
 * And the stronger attacker of issue 12: drop the triggers, delete a break-glass row, change an actor, then
 * recompute the whole chain and its head — caught by the audit key (not in the database) and by checkpoints
 * taken before the rewrite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { requestAccess } from '../../src/app/request-access.ts';
import { review } from '../../src/app/review.ts';
import { AUDIT_HEAD_KEY, GENESIS_HASH, hashRow, signRow } from '../../src/audit/chain.ts';
import { auditKey, auditKeyringFor, installAuditKeyring, type AuditKey } from '../../src/audit/key.ts';
import { runCli } from '../../src/cli.ts';
import { alice, bob, carol, dave } from '../support/policy-fixture.ts';
import { createHarness, type Harness } from '../support/core-harness.ts';
import { asRequestId } from '../../src/domain/request-id.ts';

let h: Harness;
let closed: Promise<void> | null = null;
let lines: { out: string[]; err: string[] };

const KEY_HEX = '5a'.repeat(32);
const OTHER_KEY_HEX = 'c3'.repeat(32);

async function cli(args: string[], env: Record<string, string> = {}): Promise<number> {
  lines = { out: [], err: [] };
  return runCli(args, { out: (l) => lines.out.push(l), err: (l) => lines.err.push(l), env: { ACCESSBOT_DB: h.dbPath, ...env } });
}

async function verify(env: Record<string, string> = {}, ...args: string[]): Promise<number> {
  return cli(['audit', 'verify', ...args], env);
}

/** The attacker's connection: triggers dropped first, as anyone with the file could. */
function tamper(sql: string): void {
  const raw = new Database(h.dbPath);
  raw.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;');
  raw.exec(sql);
  raw.close();
}

interface RawRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  request_id: number | null;
  grant_id: string | null;
  from_status: string | null;
  to_status: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

/**
 * The full rewrite of issue 12: drop the triggers, edit the rows as the attacker likes, then renumber them and
 * recompute every hash and the head with the published algorithm (plain SHA-256: the attacker has the database,
 * not the audit key).
 */
async function rewrite(edit: (rows: RawRow[]) => RawRow[], options: { keepBefore?: number; withKey?: AuditKey } = {}): Promise<void> {
  await closeHarness();
  const raw = new Database(h.dbPath);
  raw.exec('DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete;');
  const all = raw.prepare('SELECT * FROM audit_events ORDER BY seq').all() as RawRow[];
  const kept = all.filter((row) => row.seq < (options.keepBefore ?? 1));
  const rows = edit(all.filter((row) => row.seq >= (options.keepBefore ?? 1)));
  raw.prepare('DELETE FROM audit_events WHERE seq >= ?').run(options.keepBefore ?? 1);
  const insert = raw.prepare('INSERT INTO audit_events (seq, at, actor, action, request_id, grant_id, from_status, to_status, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  let prevHash = kept.at(-1)?.hash ?? GENESIS_HASH;
  rows.forEach((row, index) => {
    const base = { seq: kept.length + index + 1, at: row.at, actor: row.actor, action: row.action, requestId: row.request_id === null ? null : asRequestId(row.request_id), grantId: row.grant_id, fromStatus: row.from_status, toStatus: row.to_status, details: row.details, prevHash };
    const hash = options.withKey ? signRow(base, options.withKey) : hashRow(base);
    insert.run(base.seq, base.at, base.actor, base.action, base.requestId, base.grantId, base.fromStatus, base.toStatus, base.details, base.prevHash, hash);
    prevHash = hash;
  });
  const head = JSON.parse((raw.prepare('SELECT value FROM kv WHERE key = ?').get(AUDIT_HEAD_KEY) as { value: string }).value) as Record<string, unknown>;
  raw.prepare('UPDATE kv SET value = ? WHERE key = ?').run(JSON.stringify({ ...head, seq: kept.length + rows.length, hash: prevHash }), AUDIT_HEAD_KEY);
  raw.close();
}

/** Delete the break-glass activation and pretend someone else approved: the edits of the reproduced attack. */
const coverUp = (rows: RawRow[]): RawRow[] =>
  rows.filter((row) => row.action !== 'request.break_glass').map((row) => (row.action === 'review.approved' ? { ...row, actor: 'carol@example.com' } : row));

/** A few decisions, one of them a break-glass activation. */
async function someHistory(): Promise<void> {
  const { view } = await requestAccess(h.ctx, { roleName: 'writer', requester: alice, reason: 'fix it', ticket: 'INC-1', origin: 'test' });
  await review(h.ctx, { requestId: view.id, reviewer: bob, decision: 'approve', note: 'ok' });
  await requestAccess(h.ctx, { roleName: 'breakglass', requester: dave, reason: 'outage', breakGlass: true, origin: 'test' });
  await h.worker.idle();
}

function headOf(out: string[]): { seq: number; hash: string } {
  const match = /head: #(\d+) sha256 ([0-9a-f]{64})/.exec(out.join('\n'));
  if (!match) throw new Error(`no head in ${out.join('\n')}`);
  return { seq: Number(match[1]), hash: match[2]! };
}

/** Close the harness's store (once) before another connection writes the file. */
function closeHarness(): Promise<void> {
  closed ??= h.close();
  return closed;
}

function newHarness(): void {
  h = createHarness();
  closed = null;
}

afterEach(async () => {
  installAuditKeyring(null);
  await closeHarness();
});

describe('audit verify', () => {
  beforeEach(async () => {
    newHarness();
    for (let i = 0; i < 3; i++) {
      const { view } = await requestAccess(h.ctx, { roleName: 'writer', requester: alice, reason: `fix ${i}`, ticket: `INC-${i}`, origin: 'test' });
      await review(h.ctx, { requestId: view.id, reviewer: bob, decision: 'deny', note: 'no' });
    }
    await h.worker.idle();
    await closeHarness();
  });

  it('passes on an untouched log and prints the full head hash', async () => {
    expect(await verify()).toBe(0);
    expect(lines.out.join('\n')).toMatch(/audit log intact: 9 events/);
    expect(lines.out.join('\n')).toMatch(/head: #9 sha256 [0-9a-f]{64}\n/);
    expect(lines.out.join('\n')).toContain('keyed: no');
    expect(lines.err.join('\n')).toMatch(/audit log is NOT keyed/);
  });

  it('the database itself refuses UPDATE and DELETE', () => {
    const raw = new Database(h.dbPath);
    expect(() => raw.exec("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")).toThrow(/append-only/);
    expect(() => raw.exec('DELETE FROM audit_events WHERE seq = 2')).toThrow(/append-only/);
    raw.close();
  });

  it('names an edited row', async () => {
    tamper(`UPDATE audit_events SET details = replace(details, 'fix 1', 'nothing to see') WHERE seq = 4`);
    expect(await verify()).toBe(1);
    expect(lines.err.join('\n')).toMatch(/tampered at row 4: row 4 was edited/);
  });

  it('names a deleted row', async () => {
    tamper('DELETE FROM audit_events WHERE seq = 5');
    expect(await verify()).toBe(1);
    expect(lines.err.join('\n')).toMatch(/row 5 is missing/);
  });

  it('notices rows cut from the end', async () => {
    tamper('DELETE FROM audit_events WHERE seq >= 8');
    expect(await verify()).toBe(1);
    expect(lines.err.join('\n')).toMatch(/rows 8–9 are missing from the end/);
  });

  it('names a row inserted out of order (even with a recomputed hash of its own)', async () => {
    tamper(`UPDATE audit_events SET seq = seq + 100 WHERE seq >= 3; UPDATE audit_events SET seq = seq - 99 WHERE seq >= 103;
            INSERT INTO audit_events (seq, at, actor, action, request_id, grant_id, from_status, to_status, details, prev_hash, hash)
            SELECT 3, at, 'mallory@example.com', 'review.approved', request_id, NULL, NULL, NULL, '{}', hash, hash FROM audit_events WHERE seq = 2;`);
    expect(await verify()).toBe(1);
    expect(lines.err.join('\n')).toMatch(/row 3/);
  });
});

describe('a rewrite with the chain and head recomputed (issue 12)', () => {
  it('without a key the rewrite verifies, but a checkpoint taken before it does not', async () => {
    newHarness();
    await someHistory();
    expect(await verify()).toBe(0);
    const before = headOf(lines.out);

    await rewrite(coverUp);
    // The limit of an unkeyed chain: on its own it cannot tell.
    expect(await verify()).toBe(0);
    // The checkpoint posted earlier can.
    expect(await verify({}, '--checkpoint', `${before.seq}:${before.hash}`)).toBe(1);
    expect(lines.err.join('\n')).toMatch(/tampered at row \d+: .*(does not match the checkpoint|rows were cut from the end)/);
  });

  it('with the audit key (not in the database) verify reports the rewrite', async () => {
    installAuditKeyring(auditKeyringFor({ auditKey: Buffer.from(KEY_HEX, 'hex') }));
    newHarness();
    await someHistory();
    expect(await verify({ ACCESSBOT_AUDIT_KEY: KEY_HEX })).toBe(0);
    expect(lines.out.join('\n')).toMatch(/keyed: HMAC-SHA256 from row 1 on, now with audit key [0-9a-f]{16}/);

    await rewrite(coverUp);
    expect(await verify({ ACCESSBOT_AUDIT_KEY: KEY_HEX })).toBe(1);
    expect(lines.err.join('\n')).toMatch(/tampered at row 1: row 1 was rewritten without the audit key/);
  });

  it('a rewrite that keeps the keyed rows before the edit is caught at the first row it recomputed', async () => {
    installAuditKeyring(auditKeyringFor({ auditKey: Buffer.from(KEY_HEX, 'hex') }));
    newHarness();
    await someHistory();
    await closeHarness();
    const raw = new Database(h.dbPath, { readonly: true });
    const breakGlassSeq = (raw.prepare("SELECT seq FROM audit_events WHERE action = 'request.break_glass'").get() as { seq: number }).seq;
    raw.close();
    // Rows before the break-glass activation untouched (still keyed); it is deleted and the rest recomputed.
    await rewrite((rows) => rows.filter((row) => row.action !== 'request.break_glass'), { keepBefore: breakGlassSeq });
    expect(await verify({ ACCESSBOT_AUDIT_KEY: KEY_HEX })).toBe(1);
    expect(lines.err.join('\n')).toContain(`tampered at row ${breakGlassSeq}: row ${breakGlassSeq} was rewritten without the audit key`);
  });

  it('stripping the keyed rows and recomputing a plain chain is reported while the key is configured', async () => {
    installAuditKeyring(auditKeyringFor({ auditKey: Buffer.from(KEY_HEX, 'hex') }));
    newHarness();
    await someHistory();
    await rewrite((rows) => coverUp(rows).filter((row) => row.action !== 'audit.keyed'));
    const raw = new Database(h.dbPath);
    raw.prepare('UPDATE kv SET value = json_set(value, \'$.key\', json(\'null\')) WHERE key = ?').run(AUDIT_HEAD_KEY);
    raw.close();
    expect(await verify({ ACCESSBOT_AUDIT_KEY: KEY_HEX })).toBe(1);
    expect(lines.err.join('\n')).toMatch(/audit log not keyed: .*keyed rows were stripped/);
  });

  it('verify --checkpoint-file against a signed checkpoint taken before the rewrite fails; a forged one is refused', async () => {
    installAuditKeyring(auditKeyringFor({ auditKey: Buffer.from(KEY_HEX, 'hex') }));
    newHarness();
    await someHistory();
    const env = { ACCESSBOT_AUDIT_KEY: KEY_HEX };
    expect(await cli(['audit', 'checkpoint'], env)).toBe(0);
    const line = lines.out[0]!;
    expect(line).toMatch(/^accessbot-checkpoint v1 seq=\d+ hash=[0-9a-f]{64} at=\S+ key=[0-9a-f]{16} sig=[0-9a-f]{64}$/);
    const file = join(dirname(h.dbPath), 'checkpoints.txt');
    // As pasted from the audit channel: the line inside other text.
    writeFileSync(file, `# from #access-audit\n🔏 Audit checkpoint · ${line}\n`);
    expect(await verify(env, '--checkpoint-file', file)).toBe(0);
    expect(lines.out.join('\n')).toMatch(/checkpoint #\d+ taken .*, signed by audit key [0-9a-f]{16}: matches/);

    const forged = join(dirname(h.dbPath), 'forged.txt');
    writeFileSync(forged, line.replace(/hash=([0-9a-f])/, (_, c: string) => `hash=${c === '0' ? '1' : '0'}`));
    expect(await verify(env, '--checkpoint-file', forged)).toBe(1);
    expect(lines.err.join('\n')).toMatch(/does not carry a valid signature of audit key/);

    // An attacker who also stole the key (the host, not just the database) re-signs every row: the chain alone
    // verifies, but the checkpoint that left the machine before does not.
    await rewrite(coverUp, { withKey: auditKey(Buffer.from(KEY_HEX, 'hex'), 'ACCESSBOT_AUDIT_KEY') });
    expect(await verify(env)).toBe(0);
    expect(await verify(env, '--checkpoint-file', file)).toBe(1);
    expect(lines.err.join('\n')).toMatch(/tampered at row \d+: (row \d+ does not match the checkpoint taken at|a checkpoint names row \d+ but the log ends)/);
  });

  it('a keyed log cannot be checked without its key', async () => {
    installAuditKeyring(auditKeyringFor({ auditKey: Buffer.from(KEY_HEX, 'hex') }));
    newHarness();
    await someHistory();
    expect(await verify()).toBe(1);
    expect(lines.err.join('\n')).toMatch(/cannot verify the audit log from row 1: rows from 1 on are keyed with audit key [0-9a-f]{16}, which is not configured/);
    expect(await verify({ ACCESSBOT_AUDIT_KEY: OTHER_KEY_HEX })).toBe(1);
  });
});

describe('logs written before keying, and key rotation', () => {
  it('an old unkeyed log keeps verifying once a key is set, and is keyed from the next event on', async () => {
    newHarness();
    await someHistory();
    expect(await verify()).toBe(0);
    const old = headOf(lines.out);

    installAuditKeyring(auditKeyringFor({ auditKey: Buffer.from(KEY_HEX, 'hex') }));
    await requestAccess(h.ctx, { roleName: 'readonly', requester: carol, durationMs: 600_000, reason: 'look', origin: 'test' });
    await h.worker.idle();

    expect(await verify({ ACCESSBOT_AUDIT_KEY: KEY_HEX }, '--checkpoint', `${old.seq}:${old.hash}`)).toBe(0);
    expect(lines.out.join('\n')).toContain(`keyed: HMAC-SHA256 from row ${old.seq + 1} on`);
    expect(lines.out.join('\n')).toContain(`(rows 1–${old.seq} were written before keying: hash-chained only)`);
    expect(lines.out.join('\n')).toContain(`checkpoint #${old.seq}, unsigned: matches`);
  });

  it('a new key takes over with a rotation row signed by the old key; both are needed to check the whole log', async () => {
    installAuditKeyring(auditKeyringFor({ auditKey: Buffer.from(KEY_HEX, 'hex') }));
    newHarness();
    await someHistory();
    installAuditKeyring(auditKeyringFor({ auditKey: Buffer.from(OTHER_KEY_HEX, 'hex'), auditPreviousKeys: [Buffer.from(KEY_HEX, 'hex')] }));
    await requestAccess(h.ctx, { roleName: 'readonly', requester: carol, durationMs: 600_000, reason: 'look', origin: 'test' });
    await h.worker.idle();

    const raw = new Database(h.dbPath, { readonly: true });
    const rotation = raw.prepare("SELECT seq, details FROM audit_events WHERE action = 'audit.key_rotated'").all() as { seq: number; details: string }[];
    raw.close();
    expect(rotation).toHaveLength(1);

    expect(await verify({ ACCESSBOT_AUDIT_KEY: OTHER_KEY_HEX, ACCESSBOT_AUDIT_PREVIOUS_KEYS: KEY_HEX })).toBe(0);
    expect(lines.out.join('\n')).toMatch(/keys in turn: [0-9a-f]{16} → [0-9a-f]{16}/);
    expect(await verify({ ACCESSBOT_AUDIT_KEY: OTHER_KEY_HEX })).toBe(1);
    expect(lines.err.join('\n')).toMatch(/cannot verify the audit log from row 1/);
  });
});
