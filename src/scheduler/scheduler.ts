/**
 * The scheduler: node-cron jobs for the periodic work plus one precise timer for expiries.
 * - sweep (every 5 s): lapse stale requests, start due revokes, process every grant with work due (retries,
 *   rows whose lease expired); it is the backstop that catches anything the timer missed.
 * - reminders (every 30 s), outbox dispatch (every 5 s), reconciliation (every 10 min), digest (policy schedule).
 * - waiting (every 30 s): remind approvers of waiting requests and escalate them (src/app/waiting.ts).
 * - audit checkpoint (every 15 min, when the chain head moved): the signed head, posted off the machine
 *   (checkpoint.ts); at start the audit chain is keyed with the configured audit key.
 * - expiry timer: armed for the next stored expiry/lapse instant, re-armed after every sweep and whenever a
 *   grant changes, so a revoke starts at the expiry instant rather than up to one sweep later. The expiry step
 *   leases the grants it moves to revoking for this process's worker in the same compare-and-set.
 * Every job catches and logs its own errors; a job never overlaps itself; stop() waits for in-flight work.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { AfterCommit, AppContext } from '../app/context.ts';
import { sendExpiryReminders, nextDueInstant } from '../app/expire.ts';
import { countOverdueRevokes } from '../app/overdue.ts';
import type { ChatPort } from '../app/ports.ts';
import { reconcile } from '../app/reconcile.ts';
import { sweepWaitingRequests } from '../app/waiting.ts';
import { sampleActiveGrants } from '../app/record-activity.ts';
import type { Worker } from '../app/worker.ts';
import { drainBackground } from './background.ts';
import { cronLogger } from './cron-logger.ts';
import { CHECKPOINT_EVERY, keyAuditLogAtStart, postCheckpoint, type CheckpointOptions } from './checkpoint.ts';
import { ExpiryTimer } from './expiry-timer.ts';
import { dispatchDue, expiryStep, settleDueGrants, SETTLE_CONCURRENCY } from './steps.ts';

const DEFAULT_SCHEDULES = {
  sweep: '*/5 * * * * *',
  reminders: '*/30 * * * * *',
  dispatch: '*/5 * * * * *',
  reconcile: '0 */10 * * * *',
  waiting: '*/30 * * * * *',
  activity: '30 */5 * * * *',
} as const;

export interface SchedulerDeps {
  worker: Worker;
  /** The chat ports to deliver notices to (read at each run, so adapters may come and go). */
  ports: () => readonly ChatPort[];
  /** node-cron expressions (6 fields = with seconds). */
  sweepEvery?: string;
  remindEvery?: string;
  dispatchEvery?: string;
  reconcileEvery?: string;
  /** The waiting-requests job (reminders, escalation). */
  waitingEvery?: string;
  /** Sampling what holders do on their targets (default every 5 minutes; src/app/record-activity.ts). */
  activityEvery?: string;
  /** The digest job; scheduled on `digestEvery`, else the policy's `digest.schedule`, when both exist. */
  onDigest?: () => Promise<void>;
  digestEvery?: string;
  /** The audit checkpoint job's schedule (default every 15 minutes); null: no checkpoints. */
  checkpointEvery?: string | null;
  /** Keys and sink for checkpoints (default: the process environment's). */
  checkpoint?: CheckpointOptions;
  /**
   * No checkpoint is taken before the process has run this long (default 60 s): the first one goes out at the
   * first run after that, once start-up catch-up has settled.
   */
  checkpointAfterMs?: number;
  /** Longest the expiry timer sleeps before looking at the clock again (default 60 s). */
  timerMaxDelayMs?: number;
  /** Grants a sweep processes at once (default 8). */
  concurrency?: number;
  /** The sweep counts as stalled after max(this, 3 sweep intervals) without finishing (default 60 s). */
  stallAfterMs?: number;
}

export type JobName = 'sweep' | 'reminders' | 'dispatch' | 'reconcile' | 'digest' | 'checkpoint' | 'waiting' | 'activity';

export interface JobStatus {
  schedule: string;
  runs: number;
  running: boolean;
  lastStartedAt: number | null;
  lastFinishedAt: number | null;
  lastError: string | null;
}

export interface SchedulerStatus {
  running: boolean;
  startedAt: number;
  jobs: Partial<Record<JobName, JobStatus>>;
  /** The instant the expiry timer is armed for (epoch ms), and how often it has fired. */
  timer: { armedFor: number | null; fires: number };
  /** Grants more than a minute past their end that are not revoked yet (/healthz: degraded when > 0). */
  revokeOverdue: number;
  /** The sweep has not finished for longer than it should have. */
  stalled: boolean;
  /** Reminder rounds and escalations this process sent since it started. */
  waiting: { reminded: number; escalated: number };
}

/**
 * The running scheduler. It is also a part of the process's after-commit hook: the composition root
 * (src/main.ts) sends it every committed grant change, after the worker, because a new grant or an extension
 * may move the next expiry earlier and the timer must look again. It never rewires `ctx.afterCommit` itself.
 */
export interface Scheduler extends Pick<AfterCommit, 'grantChanged'> {
  /** Destroy the cron jobs, clear the timer, wait for in-flight work (including the worker's). */
  stop(): Promise<void>;
  /** Run sweep, reminders and dispatch now and wait for the work they start (tests, CLI). */
  runOnce(options?: { reconcile?: boolean }): Promise<void>;
  /** Running and the sweep is not stalled (no database access: /healthz pings the store itself). */
  healthy(): boolean;
  /** The jobs and the timer, plus the overdue revokes counted in the store now. */
  status(): Promise<SchedulerStatus>;
}

export function startScheduler(ctx: AppContext, deps: SchedulerDeps): Scheduler {
  const startedAt = ctx.clock.now();
  // Progress is measured in elapsed time, not by the business clock (which tests and clock jumps move).
  const elapsed = () => performance.now();
  const startedTick = elapsed();
  let sweepFinishedTick: number | null = null;
  const log = ctx.log.child({ component: 'scheduler' });
  const concurrency = deps.concurrency ?? SETTLE_CONCURRENCY;
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  const jobs = new Map<JobName, { status: JobStatus; current: Promise<void> | null; fn: () => Promise<void> }>();
  const tasks: ScheduledTask[] = [];
  const waitingSent = { reminded: 0, escalated: 0 };

  const timer = new ExpiryTimer({
    now: () => ctx.clock.now(),
    nextDue: () => nextDueInstant(ctx),
    fire: async () => {
      const step = await expiryStep(ctx, { claimFor: deps.worker });
      if (step.revokesStarted.length || step.requestsExpired) log.debug({ revokes: step.revokesStarted.length, lapsed: step.requestsExpired }, 'expiry timer fired');
    },
    onError: (error) => log.error({ err: messageOf(error) }, 'expiry timer step failed; the sweep retries'),
    maxDelayMs: deps.timerMaxDelayMs ?? 60_000,
  });

  const run = (name: JobName): Promise<void> => {
    const job = jobs.get(name);
    if (!job || stopped) return Promise.resolve();
    const previous = job.current ?? Promise.resolve();
    const promise = previous.then(async () => {
      if (stopped) return;
      job.status.running = true;
      job.status.lastStartedAt = ctx.clock.now();
      try {
        await job.fn();
        job.status.lastError = null;
      } catch (error) {
        job.status.lastError = messageOf(error);
        log.error({ job: name, err: job.status.lastError }, 'scheduled job failed; it runs again on schedule');
      } finally {
        job.status.running = false;
        job.status.runs++;
        job.status.lastFinishedAt = ctx.clock.now();
        if (name === 'sweep') sweepFinishedTick = elapsed();
      }
    });
    job.current = promise;
    inFlight.add(promise);
    void promise.finally(() => {
      inFlight.delete(promise);
      if (job.current === promise) job.current = null;
    });
    return promise;
  };

  const plan: Array<[JobName, string, () => Promise<void>]> = [
    [
      'sweep',
      deps.sweepEvery ?? DEFAULT_SCHEDULES.sweep,
      async () => {
        try {
          await expiryStep(ctx, { claimFor: deps.worker });
          await settleDueGrants(ctx, concurrency);
        } finally {
          timer.arm();
        }
      },
    ],
    ['reminders', deps.remindEvery ?? DEFAULT_SCHEDULES.reminders, async () => void (await sendExpiryReminders(ctx))],
    ['dispatch', deps.dispatchEvery ?? DEFAULT_SCHEDULES.dispatch, async () => void (await dispatchDue(ctx, deps.ports()))],
    ['reconcile', deps.reconcileEvery ?? DEFAULT_SCHEDULES.reconcile, async () => void (await reconcile(ctx))],
    [
      'waiting',
      deps.waitingEvery ?? DEFAULT_SCHEDULES.waiting,
      async () => {
        const sent = await sweepWaitingRequests(ctx);
        waitingSent.reminded += sent.reminded;
        waitingSent.escalated += sent.escalated;
      },
    ],
    ['activity', deps.activityEvery ?? DEFAULT_SCHEDULES.activity, async () => void (await sampleActiveGrants(ctx))],
  ];
  const digestSchedule = deps.digestEvery ?? ctx.policy.digest?.schedule;
  const onDigest = deps.onDigest;
  if (onDigest && digestSchedule) plan.push(['digest', digestSchedule, () => onDigest()]);
  const checkpointSchedule = deps.checkpointEvery === undefined ? CHECKPOINT_EVERY : deps.checkpointEvery;
  const checkpointAfterMs = deps.checkpointAfterMs ?? 60_000;
  if (checkpointSchedule !== null) {
    plan.push([
      'checkpoint',
      checkpointSchedule,
      async () => {
        if (elapsed() - startedTick < checkpointAfterMs) return;
        await postCheckpoint(ctx, deps.checkpoint);
      },
    ]);
  }
  // Check every expression before anything starts, so a bad one leaves nothing running behind.
  for (const [name, schedule] of plan) {
    if (!cron.validate(schedule)) throw new Error(`scheduler: "${schedule}" is not a valid cron expression for the ${name} job`);
  }

  for (const [name, schedule, fn] of plan) {
    jobs.set(name, { fn, current: null, status: { schedule, runs: 0, running: false, lastStartedAt: null, lastFinishedAt: null, lastError: null } });
    tasks.push(cron.schedule(schedule, () => run(name), { name: `accessbot:${name}`, noOverlap: true, timezone: timezoneOf(name, ctx.policy.timezone), logger: cronLogger(log, name) }));
  }

  const sweepIntervalMs = intervalOf(tasks[0]);
  const stallAfterMs = Math.max(deps.stallAfterMs ?? 60_000, 3 * sweepIntervalMs);

  timer.arm();
  void run('sweep');
  if (checkpointSchedule !== null) {
    // Key the audit chain now rather than at the next event, and say loudly when it cannot be keyed.
    const keying = keyAuditLogAtStart(ctx, deps.checkpoint?.keyring).catch((error: unknown) => log.error({ err: messageOf(error) }, 'could not key the audit log at start; the next audited event does it'));
    inFlight.add(keying);
    void keying.finally(() => inFlight.delete(keying));
  }
  log.info({ jobs: Object.fromEntries([...jobs].map(([name, job]) => [name, job.status.schedule])), instance: ctx.instanceId }, 'scheduler started');

  const isStalled = (): boolean => elapsed() - (sweepFinishedTick ?? startedTick) > stallAfterMs;

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const task of tasks) await task.destroy();
      await timer.stop(); // waits for a fire (or a lookup of the next instant) still running
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await drainBackground(ctx.store); // start-up catch-up that was still running when the scheduler started
      await deps.worker.stop();
      log.info('scheduler stopped');
    },
    async runOnce(options = {}) {
      await run('sweep');
      await run('reminders');
      await run('waiting');
      await deps.worker.idle();
      await run('dispatch');
      if (options.reconcile) await run('reconcile');
      await deps.worker.idle();
    },
    healthy: () => !stopped && !isStalled(),
    status: async () => {
      const revokeOverdue = await countOverdueRevokes(ctx);
      return {
        running: !stopped,
        startedAt,
        jobs: Object.fromEntries([...jobs].map(([name, job]) => [name, { ...job.status }])),
        timer: timer.status(),
        revokeOverdue,
        stalled: !stopped && isStalled(),
        waiting: { ...waitingSent },
      };
    },
    // Every committed grant change may move the next expiry earlier (a new grant, an extension): re-arm.
    grantChanged: () => timer.rearmSoon(),
  };
}

/**
 * The interval jobs run on UTC: node-cron matches wall-clock time in the zone it is given, and on the night the
 * clocks go back it resolves the repeated hour's times to their second occurrence, so an every-5-seconds job in
 * Europe/Berlin would not run for a whole hour (no retries, no chat delivery, no reminders). Only the digest is
 * a wall-clock job ("09:00 on weekdays") and runs in the policy's timezone.
 */
function timezoneOf(job: JobName, policyTimezone: string): string {
  return job === 'digest' ? policyTimezone : 'UTC';
}

/** Time between the next two runs of a cron task (how often it runs). */
function intervalOf(task: ScheduledTask | undefined): number {
  const [a, b] = task?.getNextRuns(2) ?? [];
  return a && b ? b.getTime() - a.getTime() : 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
