/**
 * A runbook action that calls a webhook resource instead of running a program: one signed POST (the webhook
 * provider's signature: `X-Accessbot-Timestamp`, `X-Accessbot-Signature`), no retries (a person is waiting and
 * can run it again), the answer body read up to a cap as the action's output.
 */
import { signedPostInit } from './webhook-signature.ts';

export interface ActionWebhookCall {
  url: string;
  secret: string;
  payload: Record<string, unknown>;
  timeoutMs: number;
  outputLimit: number;
  /** Stops the call (the grant ended). */
  signal: AbortSignal;
  idempotencyKey: string;
}

export interface ActionWebhookResult {
  /** The HTTP status, or null when no answer came. */
  status: number | null;
  body: string;
  bodyBytes: number;
  truncated: boolean;
  timedOut: boolean;
  stopped: boolean;
  /** Why no answer came (network error), when so. */
  error: string | null;
}

export async function callActionWebhook(call: ActionWebhookCall): Promise<ActionWebhookResult> {
  const rawBody = JSON.stringify(call.payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const result: ActionWebhookResult = { status: null, body: '', bodyBytes: 0, truncated: false, timedOut: false, stopped: false, error: null };
  try {
    const response = await fetch(
      call.url,
      signedPostInit({
        secret: call.secret,
        timestampSeconds: timestamp,
        body: rawBody,
        userAgent: 'accessbot-webhook/1',
        idempotencyKey: call.idempotencyKey,
        signal: AbortSignal.any([timeout, call.signal]),
      }),
    );
    result.status = response.status;
    const reader = response.body?.getReader();
    const chunks: Uint8Array[] = [];
    let kept = 0;
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      result.bodyBytes += value.byteLength;
      if (kept < call.outputLimit) {
        chunks.push(value.subarray(0, call.outputLimit - kept));
        kept += Math.min(value.byteLength, call.outputLimit - kept);
      } else {
        result.truncated = true;
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
    result.body = Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    if (call.signal.aborted) result.stopped = true;
    else if (timeout.aborted) result.timedOut = true;
    else {
      const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
      result.error = cause && typeof cause.code === 'string' ? `network error (${cause.code})` : 'network error';
    }
  }
  return result;
}
