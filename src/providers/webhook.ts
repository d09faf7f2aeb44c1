/**
 * Webhook provider — the DESIGN §3 contract: a signed JSON POST per event, retried with capped exponential
 * backoff and full jitter on 429, 5xx, time-outs and network errors; any other 4xx is a refusal.
 *
 * Extend sends event "grant" again with the new `expires_at` and `Idempotency-Key: <grant_id>:grant:<expires unix>`.
 * The contract has only two events, and a receiver treats "grant" as "make sure this access exists until
 * expires_at", so a re-sent grant with a later expiry *is* the extension. It needs its own key because receivers
 * de-duplicate on Idempotency-Key: with the plain `<grant_id>:grant` key they would drop the extension as a
 * replay of the original grant. Putting the expiry in the key keeps retries of one extension idempotent.
 */
import { z } from 'zod';
import { activityFromJsonBody } from './activity-answer.ts';
import { createHttpPost, PostFailure, type HttpPost, type PostAnswer } from './http-post.ts';
import { credentialsSchema, durationMs, durationSetting } from './settings.ts';
import { signedPostHeaders } from './webhook-signature.ts';
import { ProviderError, type GrantOutcome, type GrantTarget, type Provider, type ProviderDeps, type ProviderFactory, type RevokeOutcome } from './types.ts';

export { signAccessbotPayload, verifyAccessbotSignature } from './webhook-signature.ts';

export const webhookResourceSchema = z
  .object({
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), { message: 'must be an http:// or https:// URL' }),
    secret: z.string().min(16, { message: 'must be at least 16 characters (create one with `openssl rand -hex 32`)' }),
    timeout: durationSetting('10s', 120_000),
    max_attempts: z.number().int().min(1).max(20).default(5),
    /** Failed attempts (429, 5xx, time-outs, network errors) allowed per minute across all grants; beyond it calls wait. */
    max_failures_per_minute: z.number().int().min(1).max(600).default(20),
  })
  .strict();
export type WebhookSettings = z.infer<typeof webhookResourceSchema>;

/** Webhook grant parameters are the receiver's business: any JSON object, forwarded as `params`. */
const webhookGrantSchema = z.record(z.string(), z.unknown());

const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;
const EXCERPT_CHARS = 500;
/** Longest answer body read; the rest is not downloaded. */
const MAX_BODY_BYTES = 1024 * 1024;
const FAILURE_WINDOW_MS = 60_000;

export interface WebhookRuntime {
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1); drives the jitter. */
  random: () => number;
  /** Epoch milliseconds. */
  now: () => number;
  /** The transport (default: node's http client over a keep-alive pool of this provider's own). */
  post?: HttpPost;
}

const defaultRuntime: WebhookRuntime = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: Date.now,
};

type WebhookEvent = 'grant' | 'revoke';

function webhookPayload(event: WebhookEvent, target: GrantTarget): Record<string, unknown> {
  const requester: Record<string, unknown> = { email: target.requester.email };
  if (target.requester.slackId) requester.slack_id = target.requester.slackId;
  if (target.requester.teamsId) requester.teams_id = target.requester.teamsId;
  const body: Record<string, unknown> = {
    event,
    grant_id: target.grantId,
    request_id: target.requestId,
    requester,
    role: target.role,
    resource: target.resource,
    params: target.params,
    starts_at: target.startsAt.toISOString(),
    expires_at: target.expiresAt.toISOString(),
    approved_by: target.approvedBy,
    reason: target.reason,
  };
  if (target.ticket !== null) body.ticket = target.ticket;
  return body;
}

/** `Retry-After` as delta-seconds or an HTTP date → milliseconds from now, or null when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (!header) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** Full jitter: uniform in [0, min(cap, base·2^(attempt-1))); a server's Retry-After wins, capped. */
export function retryDelayMs(attempt: number, retryAfterMs: number | null, random: () => number): number {
  if (retryAfterMs !== null) return Math.min(BACKOFF_CAP_MS, retryAfterMs);
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function describePostFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof PostFailure && error.timedOut) return `timed out after ${timeoutMs / 1000}s`;
  const code = error instanceof PostFailure ? error.code : null;
  return code ? `network error (${code})` : 'network error';
}

function readCredentials(resource: string, body: Pick<PostAnswer, 'text' | 'truncated'>): Record<string, string> | undefined {
  if (body.truncated) {
    throw new ProviderError(`webhook ${resource} answered with more than ${MAX_BODY_BYTES / 1024 / 1024} MB; a grant answer is a small JSON object`, false);
  }
  if (body.text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text);
  } catch {
    return undefined; // a 2xx without JSON is a plain "done"
  }
  if (typeof parsed !== 'object' || parsed === null || !('credentials' in parsed)) return undefined;
  const credentials = credentialsSchema.safeParse((parsed as { credentials: unknown }).credentials);
  if (!credentials.success) {
    throw new ProviderError(`webhook ${resource} answered with "credentials" that are not an object of strings`, false);
  }
  return Object.keys(credentials.data).length > 0 ? credentials.data : undefined;
}

/**
 * Failed attempts in the last minute, shared by every call of one provider: when the target is down, a burst
 * of grants and revokes cannot turn into a burst of requests — once the budget is spent, calls fail at once
 * (retryable, so the core tries again later) without sending anything.
 */
class FailureBudget {
  private readonly failures: number[] = [];
  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  private prune(): void {
    const since = this.now() - FAILURE_WINDOW_MS;
    while (this.failures.length > 0 && (this.failures[0] as number) <= since) this.failures.shift();
  }

  exhausted(): boolean {
    this.prune();
    return this.failures.length >= this.limit;
  }

  recordFailure(): void {
    this.failures.push(this.now());
  }

  recordSuccess(): void {
    this.failures.length = 0;
  }
}

export function createWebhookProvider(
  resource: string,
  settings: WebhookSettings,
  _deps: ProviderDeps,
  runtime: Partial<WebhookRuntime> = {},
): Provider {
  const rt: WebhookRuntime = { ...defaultRuntime, ...runtime };
  const transport = rt.post ? null : createHttpPost();
  const post: HttpPost = rt.post ?? transport!.post;
  const timeoutMs = durationMs(settings.timeout);
  const budget = new FailureBudget(settings.max_failures_per_minute, rt.now);

  async function deliver(event: WebhookEvent, target: GrantTarget, idempotencyKey: string): Promise<GrantOutcome & RevokeOutcome> {
    const rawBody = JSON.stringify(webhookPayload(event, target));
    let lastProblem = '';
    let lastStatus: number | null = null;
    for (let attempt = 1; attempt <= settings.max_attempts; attempt++) {
      if (budget.exhausted()) {
        throw new ProviderError(
          `webhook ${resource}: ${event} held back — ${settings.max_failures_per_minute} failed attempts in the last minute` +
            (lastProblem ? ` (last: ${lastProblem})` : '') + '; trying again later',
          true,
          { attempts: attempt - 1, held_back: true, http_status: lastStatus },
        );
      }
      let retryAfterMs: number | null = null;
      const timestamp = Math.floor(rt.now() / 1000);
      try {
        const response = await post(settings.url, {
          headers: signedPostHeaders({ secret: settings.secret, timestampSeconds: timestamp, body: rawBody, userAgent: 'accessbot-webhook/1', idempotencyKey }),
          body: rawBody,
          timeoutMs,
          maxBodyBytes: (status) => (isSuccess(status) ? MAX_BODY_BYTES : EXCERPT_CHARS * 4),
        });
        const ok = isSuccess(response.status);
        const body = response;
        if (ok) {
          budget.recordSuccess();
          // Only a grant hands out credentials; a revoke's answer body is not read for them.
          const credentials = event === 'grant' ? readCredentials(resource, body) : undefined;
          const detail = { http_status: response.status, attempts: attempt };
          // A revoke's answer may say what the holder did (`{"activity": [...]}`).
          const activity = event === 'revoke' && !body.truncated ? activityFromJsonBody('webhook', body.text) : undefined;
          return credentials ? { credentials, detail } : activity ? { detail, activity } : { detail };
        }
        lastStatus = response.status;
        if (!isRetryableStatus(response.status)) {
          throw new ProviderError(`webhook ${resource} refused the ${event} (HTTP ${response.status})`, false, {
            http_status: response.status,
            attempts: attempt,
            response_excerpt: body.text.slice(0, EXCERPT_CHARS),
          });
        }
        budget.recordFailure();
        lastProblem = `HTTP ${response.status}`;
        retryAfterMs = parseRetryAfter(response.header('retry-after'), rt.now());
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        budget.recordFailure();
        lastStatus = null;
        lastProblem = describePostFailure(error, timeoutMs);
      }
      if (attempt < settings.max_attempts) await rt.sleep(retryDelayMs(attempt, retryAfterMs, rt.random));
    }
    throw new ProviderError(
      `webhook ${resource}: ${event} not accepted after ${settings.max_attempts} attempts (last: ${lastProblem})`,
      true,
      { attempts: settings.max_attempts, http_status: lastStatus, last_problem: lastProblem },
    );
  }

  return {
    kind: 'webhook',
    resource,
    grant: (target) => deliver('grant', target, `${target.grantId}:grant`),
    extend: (target) =>
      deliver('grant', target, `${target.grantId}:grant:${Math.floor(target.expiresAt.getTime() / 1000)}`),
    revoke: async (target) => {
      const outcome = await deliver('revoke', target, `${target.grantId}:revoke`);
      return { ...(outcome.detail ? { detail: outcome.detail } : {}), ...(outcome.activity ? { activity: outcome.activity } : {}) };
    },
    close: async () => transport?.close(),
  };
}

export const webhookProvider: ProviderFactory<WebhookSettings, Record<string, unknown>> = {
  kind: 'webhook',
  resourceSchema: webhookResourceSchema,
  grantSchema: webhookGrantSchema,
  create: (resource, settings, deps) => createWebhookProvider(resource, settings, deps),
};
