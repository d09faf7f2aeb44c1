/**
 * Exec provider: runs an operator's command (argv, never a shell) once per event with the grant in
 * ACCESSBOT_* environment variables. Exit 0 = done, and stdout may be `{"credentials": {...}}`.
 * Exit 75 (EX_TEMPFAIL) and time-outs are retryable; any other failure is not.
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { activityFromJsonLines } from './activity-answer.ts';
import { credentialsSchema, durationMs, durationSetting } from './settings.ts';
import { ProviderError, type GrantOutcome, type GrantTarget, type Provider, type ProviderDeps, type ProviderFactory, type RevokeOutcome } from './types.ts';

export const execResourceSchema = z
  .object({
    command: z.array(z.string().min(1)).min(1, { message: 'give the program and its arguments, e.g. ["./grant.sh"]' }),
    timeout: durationSetting('30s', 3_600_000),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  })
  .strict();
export type ExecSettings = z.infer<typeof execResourceSchema>;

/** Exec grant parameters are the script's business: any JSON object, passed as ACCESSBOT_PARAMS. */
const execGrantSchema = z.record(z.string(), z.unknown());

export const EX_TEMPFAIL = 75;
const STDERR_LIMIT = 2048;
/** Most of stdout kept (characters); the rest is read and dropped, so a chatty program cannot exhaust memory. */
const STDOUT_LIMIT = 1024 * 1024;
const KILL_GRACE_MS = 2000;

type ExecEvent = 'grant' | 'revoke' | 'extend';

function execEnvironment(
  event: ExecEvent,
  target: GrantTarget,
  settings: ExecSettings,
  deps: ProviderDeps,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (deps.env.PATH) env.PATH = deps.env.PATH;
  Object.assign(env, settings.env);
  Object.assign(env, {
    ACCESSBOT_EVENT: event,
    ACCESSBOT_GRANT_ID: target.grantId,
    ACCESSBOT_REQUEST_ID: target.requestId,
    ACCESSBOT_REQUESTER_EMAIL: target.requester.email ?? '',
    ACCESSBOT_REQUESTER_SLACK_ID: target.requester.slackId ?? '',
    ACCESSBOT_REQUESTER_TEAMS_ID: target.requester.teamsId ?? '',
    ACCESSBOT_ROLE: target.role,
    ACCESSBOT_RESOURCE: target.resource,
    ACCESSBOT_STARTS_AT: target.startsAt.toISOString(),
    ACCESSBOT_EXPIRES_AT: target.expiresAt.toISOString(),
    ACCESSBOT_APPROVED_BY: target.approvedBy.join(','),
    ACCESSBOT_REASON: target.reason,
    ACCESSBOT_TICKET: target.ticket ?? '',
    ACCESSBOT_PARAMS: JSON.stringify(target.params),
  });
  return env;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** More than STDOUT_LIMIT was printed; `stdout` holds the beginning. */
  stdoutTruncated: boolean;
  stderr: string;
  timedOut: boolean;
  /** Stopped through `options.signal` (e.g. a runbook action whose grant ended). */
  stopped: boolean;
  /** Characters printed on stdout in all, kept or not. */
  stdoutLength: number;
}

export interface RunOptions {
  /** Characters of stdout kept (default 1 MB). */
  stdoutLimit?: number;
  /** Stop the program (and what it started) when this aborts. */
  signal?: AbortSignal;
}

/** How long to wait for the pipes after the program exited: something it left running may still hold them. */
const PIPE_GRACE_MS = 1000;

export function run(command: readonly string[], env: Record<string, string>, timeoutMs: number, options: RunOptions = {}): Promise<RunResult> {
  const [program, ...args] = command as [string, ...string[]];
  const stdoutLimit = options.stdoutLimit ?? STDOUT_LIMIT;
  return new Promise((resolve, reject) => {
    // Own process group, so a time-out also stops whatever the command started (and holds our pipes open).
    const child = spawn(program, args, { env, shell: false, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
    };
    let stdout = '';
    let stdoutTruncated = false;
    let stderr = '';
    let timedOut = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, work: () => void): void => void timers.push(setTimeout(work, ms));
    const finish = (): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ exitCode: exit?.code ?? null, signal: exit?.signal ?? null, stdout, stdoutTruncated, stderr, timedOut, stdoutLength, stopped });
    };
    let stopped = false;
    const stop = (why: 'timeout' | 'signal'): void => {
      if (exit !== null || settled) return; // exited in time; only its pipes are still open
      if (why === 'timeout') timedOut = true;
      else stopped = true;
      killGroup('SIGTERM');
      later(KILL_GRACE_MS, () => {
        killGroup('SIGKILL');
        later(PIPE_GRACE_MS, finish); // never wait longer than this, whatever holds the pipes
      });
    };
    later(timeoutMs, () => stop('timeout'));
    const onAbort = (): void => stop('signal');
    if (options.signal?.aborted) queueMicrotask(onAbort);
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    let stdoutLength = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdoutLength += chunk.length;
      if (stdout.length + chunk.length > stdoutLimit) stdoutTruncated = true;
      if (stdout.length < stdoutLimit) stdout += chunk.slice(0, stdoutLimit - stdout.length);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk.slice(0, STDERR_LIMIT - stderr.length);
    });
    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      for (const timer of timers) clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      later(PIPE_GRACE_MS, finish);
    });
    child.on('close', (code, signal) => {
      exit ??= { code, signal };
      finish();
    });
  });
}

function readCredentials(resource: string, result: RunResult): Record<string, string> | undefined {
  const text = result.stdout.trim();
  if (!text.startsWith('{')) return undefined; // plain output is a log, not an answer
  if (result.stdoutTruncated) {
    throw new ProviderError(`command for ${resource} printed more than ${STDOUT_LIMIT / 1024 / 1024} MB; an answer is a small JSON object`, false);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || !('credentials' in body)) return undefined;
  const parsed = credentialsSchema.safeParse((body as { credentials: unknown }).credentials);
  if (!parsed.success) {
    throw new ProviderError(`command for ${resource} printed "credentials" that are not an object of strings`, false);
  }
  return Object.keys(parsed.data).length > 0 ? parsed.data : undefined;
}

export function createExecProvider(resource: string, settings: ExecSettings, deps: ProviderDeps): Provider {
  const timeoutMs = durationMs(settings.timeout);
  async function invoke(event: ExecEvent, target: GrantTarget): Promise<GrantOutcome & RevokeOutcome> {
    const program = settings.command[0];
    let result: RunResult;
    try {
      result = await run(settings.command, execEnvironment(event, target, settings, deps), timeoutMs);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new ProviderError(`command for ${resource} could not start (${String(code ?? 'error')})`, false, {
        program,
      });
    }
    if (result.timedOut) {
      throw new ProviderError(`command for ${resource} timed out after ${timeoutMs / 1000}s during ${event}`, true, {
        program,
        stderr: result.stderr.slice(0, STDERR_LIMIT),
      });
    }
    if (result.exitCode !== 0) {
      const retryable = result.exitCode === EX_TEMPFAIL;
      const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited with ${result.exitCode}`;
      throw new ProviderError(`command for ${resource} ${how} during ${event}`, retryable, {
        program,
        exit_code: result.exitCode,
        signal: result.signal,
        stderr: result.stderr.slice(0, STDERR_LIMIT),
      });
    }
    if (event === 'revoke') {
      // A revoke's stdout may say what the holder did, as JSON lines.
      const activity = activityFromJsonLines('exec', result.stdout);
      return activity ? { detail: { program }, activity } : { detail: { program } };
    }
    const credentials = readCredentials(resource, result);
    return credentials ? { credentials, detail: { program } } : { detail: { program } };
  }

  return {
    kind: 'exec',
    resource,
    grant: (target) => invoke('grant', target),
    extend: (target) => invoke('extend', target),
    revoke: (target) => invoke('revoke', target),
  };
}

export const execProvider: ProviderFactory<ExecSettings, Record<string, unknown>> = {
  kind: 'exec',
  resourceSchema: execResourceSchema,
  grantSchema: execGrantSchema,
  create: createExecProvider,
};
