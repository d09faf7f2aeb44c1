/**
 * Runbook actions (issue 15): the holder of an active grant runs one of its role's predetermined steps from
 * chat. The rule (holder, active, the role has it) is the domain's (src/domain/actions.ts); here:
 * - which grant: the one named, or the holder's only active grant whose role has the action (else they choose);
 * - `confirm: true` actions are run only once the person confirmed;
 * - one run of an action per grant at a time, on every replica: a store record taken in a unit of work
 *   (compare-and-set on its absence; a record older than the action's time-out is stale and taken over);
 * - the program runs without a shell, with a time-out and an output cap, and is stopped when the grant ends
 *   (revoked or expired) while it runs;
 * - each run is audited (`action.ran`: who, grant, outcome, exit status, duration, output size, an excerpt),
 *   and a one-line summary goes to the request's thread; the output itself is for the holder only.
 */
import { appendAudit } from '../audit/chain.ts';
import { checkMayRunAction, rolesWithAction } from '../domain/actions.ts';
import { AccessError } from '../domain/errors.ts';
import type { Person } from '../domain/identity.ts';
import { resourceNamed, roleNamed, type ActionDef } from '../domain/policy.ts';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { callActionWebhook } from '../providers/action-webhook.ts';
import { run, type RunResult } from '../providers/exec.ts';
import type { AppContext } from './context.ts';
import { listHeldAccess } from './list-access.ts';
import { enqueueNotice } from './outbox.ts';
import { actorOf } from './records.ts';
import { loadRequestView, type RequestView } from './request-view.ts';
import { requestRef, type RequestId } from '../domain/request-id.ts';

/** Output kept from a run (stdout; stderr adds at most 2 KB); the holder sees it, the audit an excerpt. */
export const ACTION_OUTPUT_LIMIT = 64 * 1024;
const AUDIT_EXCERPT = 500;
/** How often a running action checks that its grant is still active. */
const WATCH_EVERY_MS = 500;
const LOCK_PREFIX = 'action-run:';

export type ActionOutcome = 'succeeded' | 'failed' | 'timed out' | 'stopped: the access ended' | 'stopped: accessbot shut down' | 'could not start';

/** Runs in flight in this process, per context: stopped (and recorded) at shutdown, never left running. */
const running = new WeakMap<AppContext, Map<AbortController, Promise<unknown>>>();

/** Stop every run in flight in this process and wait until each is recorded (the composition root, at shutdown). */
export async function stopRunningActions(ctx: AppContext): Promise<void> {
  const runs = running.get(ctx);
  if (!runs) return;
  for (const stop of runs.keys()) stop.abort('shutdown');
  await Promise.allSettled([...runs.values()]);
}

export interface ActionRun {
  action: string;
  description: string;
  requestId: RequestId;
  ref: string;
  role: string;
  outcome: ActionOutcome;
  exitCode: number | null;
  durationMs: number;
  /** What it printed (stdout, then stderr), cut to ACTION_OUTPUT_LIMIT. */
  output: string;
  outputBytes: number;
  outputTruncated: boolean;
}

export type RunActionAnswer =
  /** Several active grants have the action: run it on which? */
  | { kind: 'choose'; action: string; grants: RequestView[]; confirm: boolean }
  /** The action asks for confirmation first. */
  | { kind: 'confirm'; action: ActionDef; view: RequestView }
  | { kind: 'ran'; run: ActionRun };

export interface RunActionInput {
  actor: Person;
  action: string;
  /** The request whose grant to run it on; null: the holder's only active grant that has the action. */
  requestId: RequestId | null;
  /** The person confirmed (a confirm dialog, or a confirming button). */
  confirmed: boolean;
}

export async function runAction(ctx: AppContext, input: RunActionInput): Promise<RunActionAnswer> {
  const policy = ctx.policy;
  const now = ctx.clock.now();
  let view: RequestView;
  if (input.requestId !== null) {
    const found = await loadRequestView(ctx.store, policy, input.requestId, now);
    if (!found) throw new AccessError('not_found', `There is no request ${requestRef(input.requestId)}.`);
    view = found;
  } else {
    const roles = rolesWithAction(policy, input.action);
    if (roles.length === 0) throw new AccessError('not_found', `No role has an action called "${input.action}".`);
    const mine = (await listHeldAccess(ctx, input.actor)).filter((v) => roles.includes(v.role) && v.grant?.status === 'active' && v.grant.expiresAt > now);
    if (mine.length === 0) {
      throw new AccessError('not_allowed', `You can run "${input.action}" only while you hold active access to ${roles.length === 1 ? 'the role' : 'one of the roles'} ${roles.map((r) => `"${r}"`).join(', ')}.`, { kind: 'new_request' });
    }
    if (mine.length > 1) {
      const confirm = mine.some((v) => roleNamed(policy, v.role)?.actions?.[input.action]?.confirm === true);
      return { kind: 'choose', action: input.action, grants: mine, confirm };
    }
    view = mine[0]!;
  }
  const action = checkMayRunAction(policy, { ref: view.ref, role: view.role, holder: view.requester, grant: view.grant }, input.actor, input.action, now);
  if (action.confirm && !input.confirmed) return { kind: 'confirm', action, view };
  return { kind: 'ran', run: await runLocked(ctx, view, action, input.actor) };
}

interface LockRecord {
  owner: string;
  startedAt: number;
  staleAt: number;
}

async function runLocked(ctx: AppContext, view: RequestView, action: ActionDef, actor: Person): Promise<ActionRun> {
  const grantId = view.grant!.id;
  const key = `${LOCK_PREFIX}${grantId}:${action.name}`;
  const startedAt = ctx.clock.now();
  const mine: LockRecord = { owner: ctx.instanceId, startedAt, staleAt: startedAt + action.timeoutMs + 30_000 };
  await ctx.store.tx(async (uow) => {
    const held = readLock(await uow.kvGet(key));
    if (held && held.staleAt > startedAt) {
      throw new AccessError('not_allowed', `"${action.name}" is already running for ${view.ref} (started ${Math.max(0, Math.round((startedAt - held.startedAt) / 1000))}s ago); wait for it to finish.`);
    }
    if (held) await uow.kvDelete(key);
    if (!(await uow.kvInsertIfAbsent(key, JSON.stringify(mine), startedAt))) throw new AccessError('not_allowed', `"${action.name}" is already running for ${view.ref}; wait for it to finish.`);
  });
  const stop = new AbortController();
  const runs = running.get(ctx) ?? new Map<AbortController, Promise<unknown>>();
  running.set(ctx, runs);
  const work = (async () => {
    const result = await execute(ctx, view, action, actor, stop);
    await record(ctx, view, action, actor, result, startedAt);
    ctx.log.info({ action: action.name, requestId: view.id, grantId, outcome: result.outcome, exitCode: result.exitCode, durationMs: result.durationMs, outputBytes: result.outputBytes }, 'runbook action ran');
    return result;
  })();
  runs.set(stop, work);
  try {
    return await work;
  } finally {
    runs.delete(stop);
    await ctx.store.tx(async (uow) => {
      const held = readLock(await uow.kvGet(key));
      if (held?.owner === mine.owner && held.startedAt === mine.startedAt) await uow.kvDelete(key);
    });
  }
}

function readLock(value: string | null): LockRecord | null {
  if (value === null) return null;
  try {
    const parsed = JSON.parse(value) as Partial<LockRecord>;
    return typeof parsed.startedAt === 'number' && typeof parsed.staleAt === 'number' ? { owner: String(parsed.owner), startedAt: parsed.startedAt, staleAt: parsed.staleAt } : null;
  } catch {
    return null;
  }
}

async function execute(ctx: AppContext, view: RequestView, action: ActionDef, actor: Person, stop: AbortController): Promise<ActionRun> {
  const grant = view.grant!;
  // Stop the run when the access ends under it (revoked, or past its expiry).
  const watch = setInterval(() => {
    void ctx.store
      .getGrant(grant.id)
      .then((row) => {
        if (!row || row.status !== 'active' || row.expiresAt <= ctx.clock.now()) stop.abort();
      })
      .catch(() => undefined);
  }, WATCH_EVERY_MS);
  watch.unref();
  const started = performance.now();
  const env: Record<string, string> = {
    ...(ctx.env.PATH ? { PATH: ctx.env.PATH } : {}),
    ACCESSBOT_ACTION: action.name,
    ACCESSBOT_GRANT_ID: grant.id,
    ACCESSBOT_REQUEST_ID: view.ref,
    ACCESSBOT_ROLE: view.role,
    ACCESSBOT_RESOURCE: view.resource,
    ACCESSBOT_RUN_BY: actorOf(actor),
    ACCESSBOT_EXPIRES_AT: new Date(grant.expiresAt).toISOString(),
  };
  if (action.webhook !== undefined) {
    try {
      return await callWebhook(ctx, view, action, actor, stop.signal);
    } finally {
      clearInterval(watch);
    }
  }
  let result: RunResult | null = null;
  try {
    result = await run(action.run, env, action.timeoutMs, { stdoutLimit: ACTION_OUTPUT_LIMIT, signal: stop.signal });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    ctx.log.warn({ action: action.name, grantId: grant.id, err: String(code ?? error) }, 'a runbook action could not start');
  } finally {
    clearInterval(watch);
  }
  const durationMs = Math.round(performance.now() - started);
  const base = { action: action.name, description: action.description, requestId: view.id, ref: view.ref, role: view.role, durationMs };
  if (!result) return { ...base, outcome: 'could not start', exitCode: null, output: `${action.run[0]} could not be started`, outputBytes: 0, outputTruncated: false };
  const output = result.stderr ? `${result.stdout}${result.stdout && !result.stdout.endsWith('\n') ? '\n' : ''}${result.stderr}` : result.stdout;
  const outcome: ActionOutcome = result.stopped ? stoppedOutcome(stop.signal) : result.timedOut ? 'timed out' : result.exitCode === 0 ? 'succeeded' : 'failed';
  return {
    ...base,
    outcome,
    exitCode: result.exitCode,
    output,
    outputBytes: result.stdoutLength + result.stderr.length,
    outputTruncated: result.stdoutTruncated,
  };
}

const stoppedOutcome = (signal: AbortSignal): ActionOutcome => (signal.reason === 'shutdown' ? 'stopped: accessbot shut down' : 'stopped: the access ended');

const webhookSettings = z.looseObject({ url: z.string(), secret: z.string() });

/** A webhook action: one signed POST to the named webhook resource; its answer is the output. */
async function callWebhook(ctx: AppContext, view: RequestView, action: ActionDef, actor: Person, signal: AbortSignal): Promise<ActionRun> {
  const grant = view.grant!;
  const base = { action: action.name, description: action.description, requestId: view.id, ref: view.ref, role: view.role };
  const settings = webhookSettings.safeParse(resourceNamed(ctx.policy, action.webhook!)?.settings);
  if (!settings.success) return { ...base, durationMs: 0, outcome: 'could not start', exitCode: null, output: `the webhook resource "${action.webhook}" is not configured`, outputBytes: 0, outputTruncated: false };
  const started = performance.now();
  const result = await callActionWebhook({
    url: settings.data.url,
    secret: settings.data.secret,
    payload: { event: 'action', action: action.name, grant_id: grant.id, request_id: view.ref, role: view.role, resource: view.resource, run_by: actorOf(actor), expires_at: new Date(grant.expiresAt).toISOString() },
    timeoutMs: action.timeoutMs,
    outputLimit: ACTION_OUTPUT_LIMIT,
    signal,
    idempotencyKey: `${grant.id}:action:${action.name}:${randomUUID()}`,
  });
  const durationMs = Math.round(performance.now() - started);
  const ok = result.status !== null && result.status >= 200 && result.status < 300;
  const outcome: ActionOutcome = result.stopped ? stoppedOutcome(signal) : result.timedOut ? 'timed out' : ok ? 'succeeded' : 'failed';
  const output = result.error ?? (result.status !== null && !ok ? `HTTP ${result.status}${result.body ? `\n${result.body}` : ''}` : result.body);
  return { ...base, durationMs, outcome, exitCode: null, output, outputBytes: result.bodyBytes, outputTruncated: result.truncated };
}

async function record(ctx: AppContext, view: RequestView, action: ActionDef, actor: Person, result: ActionRun, startedAt: number): Promise<void> {
  const grantId = view.grant!.id;
  const at = ctx.clock.now();
  await ctx.store.tx(async (uow) => {
    await appendAudit(uow, {
      at,
      actor: actorOf(actor),
      action: 'action.ran',
      requestId: view.id,
      grantId,
      details: {
        action: action.name,
        role: view.role,
        outcome: result.outcome,
        ...(result.exitCode !== null ? { exit_code: result.exitCode } : {}),
        duration_ms: result.durationMs,
        output_bytes: result.outputBytes,
        output_truncated: result.outputTruncated,
        excerpt: result.output.slice(0, AUDIT_EXCERPT),
      },
    });
    await enqueueNotice(
      uow,
      ctx,
      { type: 'action.ran', requestId: view.id, grantId, action: action.name, outcome: result.outcome, exitCode: result.exitCode, durationMs: result.durationMs },
      `action:${grantId}:${action.name}:${startedAt}`,
    );
  });
  ctx.afterCommit.noticesQueued();
}
