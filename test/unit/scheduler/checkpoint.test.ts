/**
 * The audit checkpoint job (issue 12): every 15 minutes, when the chain head moved, the signed head goes to the
 * audit channel (through the outbox) and to the append-only sink; at start the chain is keyed.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Notice } from '../../../src/app/ports.ts';
import { parseCheckpointFile, checkpointSignedBy } from '../../../src/audit/checkpoint.ts';
import { auditKey, installAuditKeyring, type AuditKeyring } from '../../../src/audit/key.ts';
import { verifyAuditChain } from '../../../src/audit/verify.ts';
import { verifyAccessbotSignature } from '../../../src/providers/webhook-signature.ts';
import { postCheckpoint, type CheckpointSink } from '../../../src/scheduler/checkpoint.ts';
import { startScheduler, type Scheduler } from '../../../src/scheduler/index.ts';
import type { Harness } from '../../support/core-harness.ts';
import { alice } from '../../support/policy-fixture.ts';
import { auditOf, fakeTimeHarness, fileGrant, M, recordingPort, T0, type RecordingPort } from './support.ts';

const NEVER = '0 0 0 1 1 *';
const key = auditKey(Buffer.alloc(32, 0x42), 'ACCESSBOT_AUDIT_KEY');
const keyring: AuditKeyring = { current: key, previous: [] };
const SINK_SECRET = 'sink-secret-0123456789';

type CheckpointNotice = Extract<Notice, { type: 'audit.alert' }>;

let h: Harness;
let port: RecordingPort;
let scheduler: Scheduler | null;
let sinkCalls: Array<{ headers: Record<string, string>; body: string }>;
let sinkDown: boolean;

const sink: CheckpointSink = {
  url: 'https://sink.example/checkpoints',
  secret: SINK_SECRET,
  fetch: (async (_url: string | URL | Request, init?: RequestInit) => {
    if (sinkDown) return new Response('down', { status: 503 });
    sinkCalls.push({ headers: init!.headers as Record<string, string>, body: String(init!.body) });
    return new Response('{}', { status: 201 });
  }) as typeof fetch,
};

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  scheduler = null;
  sinkCalls = [];
  sinkDown = false;
  port = recordingPort();
  // The use cases append with the process keyring, as in `serve`.
  installAuditKeyring(keyring);
});
afterEach(async () => {
  await scheduler?.stop();
  await h?.close();
  installAuditKeyring(null);
  vi.useRealTimers();
});

function start(): Scheduler {
  scheduler = startScheduler(h.ctx, {
    worker: h.worker,
    ports: () => [port],
    sweepEvery: NEVER,
    remindEvery: NEVER,
    dispatchEvery: NEVER,
    reconcileEvery: NEVER,
    checkpointAfterMs: 0,
    checkpoint: { keyring, sink },
  });
  return scheduler;
}

const checkpoints = (): CheckpointNotice[] => port.seen.filter((n): n is CheckpointNotice => n.type === 'audit.alert' && n.code === 'checkpoint');

async function until(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms - Date.now());
  await h.worker.idle();
}

describe('the checkpoint job', () => {
  it('keys the chain at start, posts the signed head every 15 minutes when it moved, and sends it to the sink', async () => {
    h = fakeTimeHarness({ ports: [port] });
    await fileGrant(h, 10 * M, alice);
    await h.worker.idle();
    port.seen.length = 0;
    start();
    await vi.advanceTimersByTimeAsync(0);
    expect(await auditOf(h, 'audit.keyed')).toEqual([expect.objectContaining({ details: { key_id: key.id, algorithm: 'HMAC-SHA256', source: 'ACCESSBOT_AUDIT_KEY' } })]);
    expect(checkpoints()).toEqual([]); // nothing before the first quarter hour

    await until(T0 + 15 * M);
    expect(checkpoints()).toHaveLength(1);
    const first = parseCheckpointFile(checkpoints()[0]!.text).checkpoints[0]!;
    const verified = await verifyAuditChain(h.store, { keyring, checkpoints: [first] });
    expect(verified).toMatchObject({ ok: true, checkpoints: [{ signature: 'signed' }] });
    expect(verified.ok && first.seq === verified.headSeq && first.hash === verified.headHash).toBe(true);
    expect(first.at).toBe(T0 + 15 * M);
    expect(checkpointSignedBy(first, key)).toBe(true);

    // The sink got the same checkpoint, signed like the webhook provider's calls.
    expect(sinkCalls).toHaveLength(1);
    const call = sinkCalls[0]!;
    expect(verifyAccessbotSignature(SINK_SECRET, call.headers['x-accessbot-timestamp'], call.headers['x-accessbot-signature'], call.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(JSON.parse(call.body)).toMatchObject({ type: 'accessbot.audit.checkpoint', seq: first.seq, hash: first.hash, key_id: key.id, signature: first.signature });

    // The head did not move: nothing new at the next run.
    await until(T0 + 30 * M);
    expect(checkpoints()).toHaveLength(1);
    expect(sinkCalls).toHaveLength(1);

    // It moved: the next run posts again.
    await fileGrant(h, 10 * M, alice);
    await h.worker.idle();
    await until(T0 + 45 * M);
    expect(checkpoints()).toHaveLength(2);
    expect(parseCheckpointFile(checkpoints()[1]!.text).checkpoints[0]!.seq).toBeGreaterThan(first.seq);
    expect(sinkCalls).toHaveLength(2);
    expect((await scheduler!.status()).jobs.checkpoint).toMatchObject({ schedule: '0 */15 * * * *', lastError: null });
  });

  it('a sink that is down is tried again at the next run, even when the head did not move', async () => {
    h = fakeTimeHarness({ ports: [port] });
    await fileGrant(h, 10 * M, alice);
    await h.worker.idle();
    sinkDown = true;
    expect(await postCheckpoint(h.ctx, { keyring, sink })).toMatchObject({ chat: 'queued', postedTo: ['slack'], sink: 'failed' });
    sinkDown = false;
    expect(await postCheckpoint(h.ctx, { keyring, sink })).toMatchObject({ chat: 'unchanged', sink: 'sent' });
    expect(await postCheckpoint(h.ctx, { keyring, sink })).toMatchObject({ chat: 'unchanged', sink: 'up to date' });
    expect(sinkCalls).toHaveLength(1);
  });

  it('says so in the channel when the log no longer reaches the last checkpoint', async () => {
    h = fakeTimeHarness({ ports: [port] });
    await fileGrant(h, 10 * M, alice);
    await h.worker.idle();
    const run = await postCheckpoint(h.ctx, { keyring, sink: null });
    // Someone with the database winds the head back (here: only the record of the last checkpoint moves ahead).
    await h.store.tx((uow) => uow.kvPut('audit.checkpoint.last', JSON.stringify({ seq: run.checkpoint!.seq + 5, hash: 'f'.repeat(64) }), 0));
    await postCheckpoint(h.ctx, { keyring, sink: null });
    await h.worker.idle();
    const last = checkpoints().at(-1)!;
    expect(last.text).toMatch(/no longer reaches the previous checkpoint \(#\d+, sha256 f{64}\)/);
  });

  it('posts nothing for an empty log, and only records it without an audit channel', async () => {
    h = fakeTimeHarness({ ports: [port] });
    installAuditKeyring({ current: null, previous: [] });
    expect(await postCheckpoint(h.ctx, { keyring: { current: null, previous: [] }, sink: null })).toMatchObject({ checkpoint: null, chat: 'empty log' });
    await fileGrant(h, 10 * M, alice);
    h.ctx.policy = { ...h.ctx.policy, channels: {} };
    const run = await postCheckpoint(h.ctx, { keyring: { current: null, previous: [] }, sink: null });
    expect(run).toMatchObject({ chat: 'recorded', postedTo: [] });
    expect(run.checkpoint).toMatchObject({ keyId: null, signature: null });
  });
});
