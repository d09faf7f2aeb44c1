/** The keyed audit chain (issue 12): where the key comes from, keyed rows, rotation, and what verify makes of them. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import type { AuditRow } from '../../../db/store/port.ts';
import { appendAudit, appendAudits, AUDIT_HEAD_KEY, chainState, hashRow, readAuditHead, signRow } from '../../../src/audit/chain.ts';
import { auditKey, auditKeyringFor, auditKeyringFromEnv, deriveAuditKey, installAuditKeyring, keyStateProblem, UNKEYED, type AuditKeyring } from '../../../src/audit/key.ts';
import { verifyAuditChain } from '../../../src/audit/verify.ts';
import { ConfigError, loadEnv } from '../../../src/config/env.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';

const A = Buffer.alloc(32, 0xa1);
const B = Buffer.alloc(32, 0xb2);
const SECRET = Buffer.alloc(32, 0x5e);
const keyA = auditKey(A, 'ACCESSBOT_AUDIT_KEY');
const keyB = auditKey(B, 'ACCESSBOT_AUDIT_KEY');
const ringA: AuditKeyring = { current: keyA, previous: [] };
const ringB: AuditKeyring = { current: keyB, previous: [{ ...keyA, source: 'ACCESSBOT_AUDIT_PREVIOUS_KEYS' }] };

let h: Harness;
let at = 1_000;

beforeEach(() => {
  h = createHarness();
  at = 1_000;
});
afterEach(async () => {
  installAuditKeyring(null);
  await h.close();
});

function append(keyring: AuditKeyring, why = `event ${at}`): Promise<AuditRow> {
  return h.store.tx((uow) => appendAudit(uow, { at: at++, actor: 'system', action: 'extension.void', details: { why } }, keyring));
}

async function rows(): Promise<AuditRow[]> {
  const all: AuditRow[] = [];
  for await (const row of h.store.auditRows()) all.push(row);
  return all;
}

describe('where the audit key comes from', () => {
  it('ACCESSBOT_AUDIT_KEY first; else derived from ACCESSBOT_SECRET_KEY with HKDF; else unkeyed', () => {
    expect(auditKeyringFor({ auditKey: A, secretKey: SECRET }).current).toMatchObject({ id: keyA.id, source: 'ACCESSBOT_AUDIT_KEY' });
    const derived = auditKeyringFor({ secretKey: SECRET }).current!;
    expect(derived.source).toBe('ACCESSBOT_SECRET_KEY');
    expect(derived.secret.equals(SECRET)).toBe(false); // never the credential key itself
    expect(derived.id).toBe(deriveAuditKey(SECRET).id); // deterministic
    expect(auditKeyringFor({})).toEqual(UNKEYED);
  });

  it('moving from the derived key to an explicit one keeps the derived key to verify and rotate from', () => {
    const ring = auditKeyringFor({ auditKey: A, secretKey: SECRET, auditPreviousKeys: [B, B] });
    expect(ring.previous.map((k) => k.id)).toEqual([keyB.id, deriveAuditKey(SECRET).id]);
  });

  it('reads and checks the environment', () => {
    expect(auditKeyringFromEnv({ ACCESSBOT_AUDIT_KEY: A.toString('hex'), ACCESSBOT_AUDIT_PREVIOUS_KEYS: ` ${B.toString('hex')} ` })).toMatchObject({ current: { id: keyA.id }, previous: [{ id: keyB.id }] });
    expect(() => auditKeyringFromEnv({ ACCESSBOT_AUDIT_KEY: 'short' })).toThrow(ConfigError);
    expect(() => loadEnv({ ACCESSBOT_AUDIT_PREVIOUS_KEYS: 'nothex' })).toThrow(/ACCESSBOT_AUDIT_PREVIOUS_KEYS must be earlier audit keys/);
    expect(() => loadEnv({ ACCESSBOT_AUDIT_SINK_URL: 'https://sink.example/checkpoints' })).toThrow(/ACCESSBOT_AUDIT_SINK_SECRET is required/);
    const config = loadEnv({ ACCESSBOT_AUDIT_KEY: A.toString('hex'), ACCESSBOT_AUDIT_SINK_URL: 'https://sink.example/c', ACCESSBOT_AUDIT_SINK_SECRET: 'a-long-sink-secret-1' });
    expect(config.auditKey?.equals(A)).toBe(true);
    expect(config.auditSink).toEqual({ url: 'https://sink.example/c', secret: 'a-long-sink-secret-1' });
  });

  it('says loudly when the log is not keyed, and when the chain has a key this process lacks', () => {
    expect(keyStateProblem(UNKEYED, null)).toMatchObject({ level: 'warn', message: expect.stringMatching(/NOT keyed/) as string });
    expect(keyStateProblem(ringB, keyA.id)).toBeNull();
    expect(keyStateProblem(ringA, keyB.id)).toMatchObject({ level: 'error' });
  });
});

describe('keyed rows', () => {
  it('the first keyed append records audit.keyed, and every row from it on is an HMAC under the key', async () => {
    await append(UNKEYED);
    await append(ringA);
    await append(ringA);
    const all = await rows();
    expect(all.map((r) => r.action)).toEqual(['extension.void', 'audit.keyed', 'extension.void', 'extension.void']);
    expect(JSON.parse(all[1]!.details)).toEqual({ key_id: keyA.id, algorithm: 'HMAC-SHA256', source: 'ACCESSBOT_AUDIT_KEY' });
    expect(all[0]!.hash).toBe(hashRow(all[0]!));
    for (const row of all.slice(1)) expect(row.hash).toBe(signRow(row, keyA));
    // HMAC-SHA256 as anyone can recompute it with the key (documented in the README).
    const { hash, ...content } = all[2]!;
    expect(hash).toBe(createHmac('sha256', A).update(JSON.stringify([content.seq, content.at, content.actor, content.action, content.requestId, content.grantId, content.fromStatus, content.toStatus, content.details, content.prevHash])).digest('hex'));
    expect(await readAuditHead(h.store)).toEqual({ seq: 4, hash: all[3]!.hash, key: keyA.id });
    expect(await verifyAuditChain(h.store, { keyring: ringA })).toMatchObject({ ok: true, rows: 4, headSeq: 4, keying: { keyedFrom: 2, keyId: keyA.id, keys: [keyA.id] } });
    // The unkeyed first row still verifies as before; without the key the keyed rows cannot be checked.
    expect(await verifyAuditChain(h.store, { keyring: UNKEYED })).toMatchObject({ ok: false, kind: 'unverifiable', seq: 2 });
  });

  it('a new key takes over with audit.key_rotated signed by the old key', async () => {
    await append(ringA);
    await append(ringB);
    await append(ringB);
    const all = await rows();
    expect(all.map((r) => r.action)).toEqual(['audit.keyed', 'extension.void', 'audit.key_rotated', 'extension.void', 'extension.void']);
    const rotation = all[2]!;
    expect(JSON.parse(rotation.details)).toMatchObject({ from_key_id: keyA.id, to_key_id: keyB.id });
    expect(rotation.hash).toBe(signRow(rotation, keyA));
    expect(all[3]!.hash).toBe(signRow(all[3]!, keyB));
    expect(await verifyAuditChain(h.store, { keyring: ringB })).toMatchObject({ ok: true, keying: { keys: [keyA.id, keyB.id], keyId: keyB.id } });
    expect(await verifyAuditChain(h.store, { keyring: { current: keyB, previous: [] } })).toMatchObject({ ok: false, kind: 'unverifiable', seq: 1 });
  });

  it('appendAudits writes, in one insert, exactly the rows one-by-one appends would, keying the chain first', async () => {
    const events = (n: number) => Array.from({ length: n }, (_, i) => ({ at: 100 + i, actor: 'system', action: 'extension.void' as const, requestId: null, details: { why: `batched ${i}` } }));
    await append(UNKEYED);
    const batched = await h.store.tx(async (uow) => [...(await appendAudits(uow, events(3), ringA)), ...(await appendAudits(uow, [], ringA)), await appendAudit(uow, events(4)[3]!, ringA)]);
    const all = await rows();
    expect(all.map((r) => r.action)).toEqual(['extension.void', 'audit.keyed', 'extension.void', 'extension.void', 'extension.void', 'extension.void']);
    expect(batched).toEqual(all.slice(2));
    for (const row of all.slice(1)) expect(row.hash).toBe(signRow(row, keyA));
    expect(await readAuditHead(h.store)).toEqual({ seq: 6, hash: all[5]!.hash, key: keyA.id });
    expect(await verifyAuditChain(h.store, { keyring: ringA })).toMatchObject({ ok: true, rows: 6, headSeq: 6 });
    // The same events appended one by one in a second log give the same rows.
    const other = createHarness();
    try {
      await other.store.tx((uow) => appendAudit(uow, { at: all[0]!.at, actor: 'system', action: 'extension.void', details: JSON.parse(all[0]!.details) as { why: string } }, UNKEYED));
      await other.store.tx(async (uow) => {
        for (const event of events(4)) await appendAudit(uow, event, ringA);
      });
      const again: typeof all = [];
      for await (const row of other.store.auditRows()) again.push(row);
      expect(again).toEqual(all);
    } finally {
      await other.close();
    }
  });

  it('uses the process keyring by default (installed, else the environment)', async () => {
    installAuditKeyring(ringA);
    await h.store.tx((uow) => appendAudit(uow, { at: 5, actor: 'system', action: 'extension.void', details: { why: 'default' } }));
    expect((await rows()).map((r) => r.action)).toEqual(['audit.keyed', 'extension.void']);
    expect(await verifyAuditChain(h.store)).toMatchObject({ ok: true });
  });

  it('a head written before keying existed is read from the rows', async () => {
    await append(ringA);
    const last = (await rows()).at(-1)!;
    await h.store.tx((uow) => uow.kvPut(AUDIT_HEAD_KEY, JSON.stringify({ seq: last.seq, hash: last.hash }), 0));
    expect(await chainState(h.store)).toEqual({ last: { seq: last.seq, hash: last.hash }, key: keyA.id });
    await append(ringA);
    expect((await rows()).filter((r) => r.action === 'audit.keyed')).toHaveLength(1);
  });

  it('a process without the chain\'s key still records the event (a revoke must not fail), and verify names the row', async () => {
    await append(ringA);
    await append(UNKEYED, 'written by a process without the key');
    const result = await verifyAuditChain(h.store, { keyring: ringA });
    expect(result).toMatchObject({ ok: false, kind: 'tampered', seq: 3 });
    expect(!result.ok && result.problem).toMatch(/row 3 was rewritten without the audit key.*process that lacks ACCESSBOT_AUDIT_KEY/);
  });
});
