/**
 * The workspace the whole-bot benchmarks run against: requesters, one approver, and a policy file whose role
 * needs one approval (so every filing posts an approval card) on a webhook target.
 */
import type { EmulatedMessage, EmulatedUser } from '../../playground/slack-emulator/index.ts';

export const APPROVALS = 'C0APPROVALS';
export const APPROVER: EmulatedUser = { id: 'U0APPROVER', name: 'approver', email: 'approver@example.com' };
export const CHANNELS = [
  { id: APPROVALS, name: 'access-approvals' },
  { id: 'C0AUDIT', name: 'access-audit' },
  { id: 'C0GENERAL', name: 'general' },
];
export const HOOK_SECRET = 'bench-hook-secret-0123456789abcdef';

export const usersFor = (count: number, prefix = 'U0B'): EmulatedUser[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}${String(i).padStart(6, '0')}`, name: `bench${i}`, email: `bench${i}@example.com` }));

/** The policy: role `reviewed` (one approval, on a webhook at `hookUrl`) for every user given. */
export function policyYaml(users: readonly EmulatedUser[], hookUrl = 'http://127.0.0.1:9/access'): string {
  return `version: 1
channels:
  approvals: { slack: ${APPROVALS} }
  audit: { slack: C0AUDIT }
groups:
  benchers: [${users.map((u) => u.email).join(', ')}]
resources:
  hook: { provider: webhook, url: "${hookUrl}", secret: env:BENCH_HOOK_SECRET }
roles:
  reviewed:
    description: Needs one approval, so every request posts a card
    resource: hook
    requesters: [group:benchers]
    approvers: [${APPROVER.email}]
    max_duration: 2h
`;
}

/** An approval card as first posted: the request its Approve button names and the requester it mentions. */
export interface ApprovalCard {
  ts: string;
  requestId: string;
  requester: string | null;
}

/**
 * The approval cards in a channel, by message ts, each read once. A card is a top-level message whose first
 * version carried an Approve button; the thread replies under it ("approved by …", "granted") are not cards,
 * and a card whose buttons were retired after the decision is still the card it was.
 */
export class ApprovalCards {
  private readonly byTs = new Map<string, ApprovalCard | null>();
  private readonly byRequester = new Map<string, ApprovalCard>();

  /** Reads the messages not seen before. */
  update(messages: readonly EmulatedMessage[]): void {
    for (const m of messages) {
      if (this.byTs.has(m.ts)) continue;
      const card = m.threadTs === null || m.threadTs === m.ts ? cardOf(m) : null;
      this.byTs.set(m.ts, card);
      if (card?.requester) this.byRequester.set(card.requester, card);
    }
  }

  /** The card filed for this requester's latest request, if posted. */
  of(requester: string): ApprovalCard | undefined {
    return this.byRequester.get(requester);
  }

  get size(): number {
    return this.byRequester.size;
  }
}

function cardOf(message: EmulatedMessage): ApprovalCard | null {
  const first = message.history[0] ?? message;
  for (const block of (first.blocks ?? []) as Array<{ elements?: unknown[] }>) {
    for (const element of block.elements ?? []) {
      const e = element as { type?: string; action_id?: string; value?: string };
      if (e.type !== 'button' || e.action_id !== 'request_approve' || !e.value) continue;
      // The Requester field is the card's first mention.
      const requester = /<@([UW][A-Z0-9]+)>/.exec(JSON.stringify(first.blocks))?.[1] ?? null;
      return { ts: message.ts, requestId: e.value, requester };
    }
  }
  return null;
}
