/**
 * The expedite paging hook (issue 14): when a requester marks a request urgent and its role (or the policy's
 * defaults) sets `expedite_webhook`, the outbox row queued for this "platform" is delivered here as a signed
 * JSON POST built by `signedPostInit`, as every signed POST is (`X-Accessbot-Signature: sha256=<HMAC of
 * "<timestamp>.<body>">`, `X-Accessbot-Timestamp`, no redirect followed), with `Idempotency-Key:
 * expedite:<request id>` so a retry pages once at a receiver that de-duplicates. A failure (a 3xx too) throws:
 * the outbox retries with backoff, durably.
 */
import { roleNamed, type Policy } from '../domain/policy.ts';
import { waitingRulesOf } from '../domain/waiting.ts';
import { signedPostInit } from '../providers/webhook-signature.ts';
import type { ChatPort, Notice } from './ports.ts';
import type { RequestView } from './request-view.ts';
import { EXPEDITE_WEBHOOK_PLATFORM } from './waiting.ts';

export interface ExpediteWebhookDeps {
  policy: () => Policy;
  now: () => number;
  fetch?: typeof fetch;
}

export function expeditePayload(view: RequestView, notice: Extract<Notice, { type: 'request.expedited' }>, now: number): Record<string, unknown> {
  const requester: Record<string, unknown> = { email: view.requester.email ?? null };
  if (view.requester.slackId) requester.slack_id = view.requester.slackId;
  if (view.requester.teamsId) requester.teams_id = view.requester.teamsId;
  return {
    event: 'request.expedited',
    request_id: view.id,
    request: view.ref,
    role: view.role,
    resource: view.resource,
    requester,
    reason: view.reason,
    note: notice.note,
    ticket: view.ticket,
    approvers: notice.members,
    requested_at: new Date(view.createdAt).toISOString(),
    lapses_at: new Date(view.lapsesAt).toISOString(),
    expedited_at: new Date(now).toISOString(),
  };
}

export class ExpediteWebhookPort implements ChatPort {
  readonly platform = EXPEDITE_WEBHOOK_PLATFORM;

  constructor(private readonly deps: ExpediteWebhookDeps) {}

  async deliver(notice: Notice, view: RequestView | null): Promise<void> {
    if (notice.type !== 'request.expedited' || !view) return;
    // The hook in force now (a reload may have changed or removed it): none, nothing to call.
    const hook = waitingRulesOf(roleNamed(this.deps.policy(), view.role))?.expediteWebhook;
    if (!hook) return;
    const now = this.deps.now();
    const body = JSON.stringify(expeditePayload(view, notice, now));
    const timestamp = Math.floor(now / 1000);
    const response = await (this.deps.fetch ?? fetch)(
      hook.url,
      signedPostInit({
        secret: hook.secret,
        timestampSeconds: timestamp,
        body,
        userAgent: 'accessbot',
        idempotencyKey: `expedite:${view.id}`,
        signal: AbortSignal.timeout(hook.timeoutMs),
      }),
    );
    await response.body?.cancel().catch(() => undefined);
    if (!response.ok) throw new Error(`the expedite webhook answered HTTP ${response.status}`);
  }
}
