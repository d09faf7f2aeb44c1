/**
 * The audit checkpoint job: every 15 minutes (when the head moved since the last one) it takes the chain head —
 * sequence and full hash — signs it with the audit key (src/audit/checkpoint.ts) and sends it off the machine:
 * to the audit channel through the outbox (an `audit.alert` with code `checkpoint`, rendered by
 * src/chat/messages/audit.ts), and, when ACCESSBOT_AUDIT_SINK_URL is set, to an append-only sink as a signed
 * JSON POST (signed like the webhook provider: X-Accessbot-Timestamp and X-Accessbot-Signature).
 *
 * Checkpoints are not audit rows (that would move the head on every run); the last one posted and the last one
 * the sink took are kept under `audit.checkpoint.last` and `audit.checkpoint.sink`. Two replicas running the
 * same tick post once: the comparison with the last checkpoint happens in one serialised unit of work. A sink
 * that is down is tried again at the next run. The job also keys the chain at start (`keyAuditLogAtStart`) and
 * says, each run, when the log is not keyed.
 */
import type { AppContext } from '../app/context.ts';
import { enqueueNotice } from '../app/outbox.ts';
import { chainState, keyAuditChain } from '../audit/chain.ts';
import { checkpointLine, checkpointRecord, makeCheckpoint, type Checkpoint } from '../audit/checkpoint.ts';
import { keyStateProblem, processAuditKeyring, type AuditKeyring } from '../audit/key.ts';
import { auditEnv } from '../config/env.ts';
import type { Platform } from '../domain/policy.ts';
import { signedPostInit } from '../providers/webhook-signature.ts';

/** Every 15 minutes, on the quarter hour (UTC). */
export const CHECKPOINT_EVERY = '0 */15 * * * *';
export const LAST_CHECKPOINT_KEY = 'audit.checkpoint.last';
export const SINK_CHECKPOINT_KEY = 'audit.checkpoint.sink';
const SINK_TIMEOUT_MS = 10_000;

/** An append-only endpoint for checkpoints (a function writing to S3 with Object Lock, a SIEM's HTTP input). */
export interface CheckpointSink {
  url: string;
  /** Signs each POST (HMAC-SHA256 of "<timestamp>.<body>"), as the webhook provider does. */
  secret: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface CheckpointOptions {
  /** Default: the process's (src/audit/key.ts). */
  keyring?: AuditKeyring;
  /** Default: ACCESSBOT_AUDIT_SINK_URL/SECRET from the process environment; null: none. */
  sink?: CheckpointSink | null;
}

export interface CheckpointRun {
  checkpoint: Checkpoint | null;
  /** 'queued' for the audit channel; 'unchanged': the head has not moved since the last checkpoint. */
  chat: 'queued' | 'recorded' | 'unchanged' | 'empty log';
  /** Platforms whose audit channel gets it. */
  postedTo: string[];
  sink: 'sent' | 'failed' | 'up to date' | 'none';
}

/** The sink configured in the process environment, if any. */
export function sinkFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): CheckpointSink | null {
  return auditEnv(env).auditSink ?? null;
}

/** Key the chain with the current key now (rather than at the next event), and say what is wrong with the keying. */
export async function keyAuditLogAtStart(ctx: AppContext, keyring: AuditKeyring = processAuditKeyring()): Promise<void> {
  const state = await ctx.store.tx((uow) => keyAuditChain(uow, ctx.clock.now(), keyring));
  if (!reportKeyState(ctx, keyring, state.key) && state.key !== null) {
    ctx.log.info({ auditKey: state.key, source: keyring.current?.source }, 'audit log keyed (HMAC-SHA256)');
  }
}

/** One run of the job. Safe to call at any time: an unchanged head is not posted again. */
export async function postCheckpoint(ctx: AppContext, options: CheckpointOptions = {}): Promise<CheckpointRun> {
  const keyring = options.keyring ?? processAuditKeyring();
  const sink = options.sink === undefined ? sinkFromEnv() : options.sink;
  const platforms = auditPlatforms(ctx);

  const taken = await ctx.store.tx(async (uow) => {
    const state = await chainState(uow);
    if (!state.last) return null;
    const now = ctx.clock.now();
    const checkpoint = makeCheckpoint(state.last, now, keyring.current);
    const last = readRecord(await uow.kvGet(LAST_CHECKPOINT_KEY));
    if (last && last.seq === checkpoint.seq && last.hash === checkpoint.hash) return { checkpoint, key: state.key, queued: false, unchanged: true };
    // The head is behind, or differs at, what was posted last: the log was cut back, rewritten or restored.
    const behind = last !== null && last.seq >= checkpoint.seq;
    const warning = behind && last
      ? `The audit log no longer reaches the previous checkpoint (#${last.seq}, sha256 ${last.hash}): it was cut back, rewritten or restored from an older copy. Check it with: accessbot audit verify --checkpoint ${last.seq}:${last.hash}`
      : null;
    if (warning) ctx.log.error({ previous: last, head: state.last }, warning);
    if (platforms.length > 0) {
      const text = warning ? `${warning}\n${checkpointLine(checkpoint)}` : checkpointLine(checkpoint);
      await enqueueNotice(uow, { platforms, clock: ctx.clock }, { type: 'audit.alert', code: 'checkpoint', text }, `checkpoint:${checkpoint.seq}:${checkpoint.hash}${behind && last ? `:after:${last.seq}:${last.hash}` : ''}`);
    }
    await uow.kvPut(LAST_CHECKPOINT_KEY, JSON.stringify(checkpointRecord(checkpoint)), now);
    return { checkpoint, key: state.key, queued: platforms.length > 0, unchanged: false };
  });
  if (!taken) return { checkpoint: null, chat: 'empty log', postedTo: [], sink: 'none' };
  reportKeyState(ctx, keyring, taken.key);
  if (taken.queued) ctx.afterCommit.noticesQueued();
  const { checkpoint } = taken;
  if (!taken.unchanged) ctx.log.info({ seq: checkpoint.seq, hash: checkpoint.hash, key: checkpoint.keyId, platforms: taken.queued ? platforms : [] }, 'audit checkpoint taken');
  const run: CheckpointRun = { checkpoint, chat: taken.unchanged ? 'unchanged' : taken.queued ? 'queued' : 'recorded', postedTo: taken.queued ? platforms : [], sink: 'none' };
  if (sink) run.sink = await sendToSink(ctx, sink, checkpoint);
  return run;
}

/** POST the checkpoint to the sink unless it already has this head; a failure is retried at the next run. */
async function sendToSink(ctx: AppContext, sink: CheckpointSink, checkpoint: Checkpoint): Promise<CheckpointRun['sink']> {
  const sent = readRecord(await ctx.store.kvGet(SINK_CHECKPOINT_KEY));
  if (sent && sent.seq === checkpoint.seq && sent.hash === checkpoint.hash) return 'up to date';
  const body = JSON.stringify(checkpointRecord(checkpoint));
  const timestamp = Math.floor(ctx.clock.now() / 1000);
  try {
    const response = await (sink.fetch ?? fetch)(
      sink.url,
      signedPostInit({
        secret: sink.secret,
        timestampSeconds: timestamp,
        body,
        userAgent: 'accessbot-audit-checkpoint/1',
        headers: { 'x-accessbot-event': 'audit.checkpoint' },
        idempotencyKey: `audit-checkpoint-${checkpoint.seq}-${checkpoint.hash.slice(0, 16)}`,
        signal: AbortSignal.timeout(sink.timeoutMs ?? SINK_TIMEOUT_MS),
      }),
    );
    await response.body?.cancel().catch(() => {});
    if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    // Never log the URL: it may carry a token.
    ctx.log.warn({ seq: checkpoint.seq, err: error instanceof Error ? error.message : String(error) }, 'the audit checkpoint sink did not take the checkpoint; trying again at the next run');
    return 'failed';
  }
  await ctx.store.tx((uow) => uow.kvPut(SINK_CHECKPOINT_KEY, JSON.stringify(checkpointRecord(checkpoint)), ctx.clock.now()));
  return 'sent';
}

/** Log what is wrong with the keying (every run: an unkeyed log is worth repeating); true when something is. */
function reportKeyState(ctx: AppContext, keyring: AuditKeyring, chainKey: string | null): boolean {
  const problem = keyStateProblem(keyring, chainKey);
  if (!problem) return false;
  if (problem.level === 'error') ctx.log.error({ auditKey: chainKey }, problem.message);
  else ctx.log.warn(problem.message);
  return true;
}

/** The platforms that get notices and have an audit channel in the policy. */
function auditPlatforms(ctx: AppContext): string[] {
  const audit = ctx.policy.channels.audit ?? {};
  return ctx.platforms.filter((platform) => Boolean(audit[platform as Platform]));
}

function readRecord(value: string | null): { seq: number; hash: string } | null {
  if (value === null) return null;
  try {
    const parsed = JSON.parse(value) as { seq?: unknown; hash?: unknown } | null;
    return parsed && typeof parsed.seq === 'number' && typeof parsed.hash === 'string' ? { seq: parsed.seq, hash: parsed.hash } : null;
  } catch {
    return null;
  }
}
