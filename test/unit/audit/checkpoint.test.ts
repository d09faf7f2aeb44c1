/** Checkpoints: the signed line, its JSON record, and every form `--checkpoint`/`--checkpoint-file` accepts. */
import { describe, expect, it } from 'vitest';
import { checkpointLine, checkpointRecord, checkpointSignedBy, makeCheckpoint, parseCheckpointArg, parseCheckpointFile } from '../../../src/audit/checkpoint.ts';
import { auditKey } from '../../../src/audit/key.ts';
import { auditAlert } from '../../../src/chat/messages/audit.ts';
import { plainText } from '../../../src/chat/rich-text.ts';

const key = auditKey(Buffer.alloc(32, 9), 'ACCESSBOT_AUDIT_KEY');
const other = auditKey(Buffer.alloc(32, 8), 'ACCESSBOT_AUDIT_KEY');
const HASH = 'ab'.repeat(32);
const AT = Date.UTC(2026, 0, 5, 9, 15);

describe('checkpoints', () => {
  it('sign the head, time and key id in one line', () => {
    const cp = makeCheckpoint({ seq: 42, hash: HASH }, AT, key);
    expect(checkpointLine(cp)).toBe(`accessbot-checkpoint v1 seq=42 hash=${HASH} at=2026-01-05T09:15:00.000Z key=${key.id} sig=${cp.signature}`);
    expect(checkpointSignedBy(cp, key)).toBe(true);
    expect(checkpointSignedBy({ ...cp, seq: 43 }, key)).toBe(false);
    expect(checkpointSignedBy({ ...cp, keyId: other.id }, other)).toBe(false);
    expect(checkpointLine(makeCheckpoint({ seq: 1, hash: HASH }, AT, null))).toBe(`accessbot-checkpoint v1 seq=1 hash=${HASH} at=2026-01-05T09:15:00.000Z key=none`);
  });

  it('read back from a line, a pasted message, the sink\'s JSON or SEQ:HASH', () => {
    const cp = makeCheckpoint({ seq: 42, hash: HASH }, AT, key);
    const text = [
      '# kept from the audit channel',
      checkpointLine(cp),
      `🔏 Audit checkpoint · #42 ${checkpointLine(cp)}`,
      JSON.stringify(checkpointRecord(cp)),
      JSON.stringify({ seq: 7, hash: HASH }),
      `7:${HASH.toUpperCase()}`,
      '',
    ].join('\n');
    const { checkpoints, problems } = parseCheckpointFile(text);
    expect(problems).toEqual([]);
    expect(checkpoints.slice(0, 3)).toEqual([cp, cp, cp]);
    expect(checkpoints.slice(3)).toEqual([
      { seq: 7, hash: HASH, at: null, keyId: null, signature: null },
      { seq: 7, hash: HASH, at: null, keyId: null, signature: null },
    ]);
    expect(parseCheckpointFile('seq 7 please').problems).toEqual(['line 1: not a checkpoint (expected "accessbot-checkpoint v1 seq=… hash=…", a JSON record, or SEQ:HASH)']);
    expect(parseCheckpointArg('0:' + HASH)).toBeNull();
    expect(parseCheckpointArg('12:abc')).toBeNull();
    expect(parseCheckpointArg(`#12:${HASH}`)).toMatchObject({ seq: 12, hash: HASH });
  });

  it('are posted to the audit channel as the exact line, in code, with the command that checks the log', () => {
    const cp = makeCheckpoint({ seq: 42, hash: HASH }, AT, key);
    const message = auditAlert({ type: 'audit.alert', code: 'checkpoint', text: checkpointLine(cp) });
    expect(plainText(message.summary)).toBe(`🔏 Audit checkpoint #42: sha256 ${HASH}`);
    const pieces = message.blocks.flatMap((b) => ('text' in b && typeof b.text !== 'string' ? b.text : []));
    expect(pieces).toContainEqual({ type: 'code', text: checkpointLine(cp) });
    expect(pieces).toContainEqual({ type: 'code', text: `accessbot audit verify --checkpoint 42:${HASH}` });

    const warned = auditAlert({ type: 'audit.alert', code: 'checkpoint', text: `The audit log no longer reaches the previous checkpoint (#50, sha256 ${HASH}).\n${checkpointLine(cp)}` });
    expect(plainText(warned.summary)).toMatch(/no longer reaches the previous checkpoint/);
    expect(warned.blocks[0]).toMatchObject({ type: 'paragraph', id: 'warning' });
  });
});
