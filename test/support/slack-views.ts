/** RequestView fixtures for Slack rendering tests. */
import type { GrantView, RequestView } from '../../src/app/request-view.ts';
import { asRequestId } from '../../src/domain/request-id.ts';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** A view with these fields changed; `id` may be a plain number here (a fixture's id). */
export function requestView({ id, ...overrides }: Partial<Omit<RequestView, 'id'>> & { id?: number } = {}): RequestView {
  return {
    id: asRequestId(id ?? 42),
    ref: 'AR-42',
    kind: 'access',
    extendsGrantId: null,
    role: 'readonly',
    roleDescription: 'Read-only SQL on the orders database',
    resource: 'orders-db',
    requester: { email: 'alice@example.com', slackId: 'U0ALICE', name: 'Alice' },
    durationMs: 30 * 60_000,
    reason: 'checking INC-123',
    ticket: 'INC-123',
    breakGlass: false,
    autoApproved: false,
    status: 'pending',
    createdAt: T0,
    lapsesAt: T0 + 3_600_000,
    decidedAt: null,
    decidedBy: null,
    decisionNote: null,
    approvalsRequired: 1,
    reviews: [],
    approverMembers: ['slack:U0BOB', 'carol@example.com'],
    grant: null,
    timezone: 'Europe/Berlin',
    ...overrides,
  };
}

export function grantView(overrides: Partial<GrantView> = {}): GrantView {
  return {
    id: 'g1abc',
    status: 'active',
    startsAt: T0 + 60_000,
    expiresAt: T0 + 31 * 60_000,
    revokedAt: null,
    revokeReason: null,
    revokedBy: null,
    lastError: null,
    overdue: false,
    hasCredentials: false,
    ...overrides,
  };
}

export const BOB_REVIEW = { who: { email: 'bob@example.com', slackId: 'U0BOB', name: 'Bob' }, decision: 'approve' as const, note: null, at: T0 + 60_000 };

/** All text a message or view shows, joined, for "does not contain" assertions. */
export function allText(value: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return out.join('\n');
}

/** Every button in blocks, flattened. */
export function buttonsOf(blocks: readonly unknown[]): { action_id: string; value?: string; style?: string; text: { text: string } }[] {
  const found: { action_id: string; value?: string; style?: string; text: { text: string } }[] = [];
  for (const block of blocks as { type: string; elements?: { type: string }[]; accessory?: { type: string } }[]) {
    for (const el of [...(block.elements ?? []), ...(block.accessory ? [block.accessory] : [])]) {
      if (el.type === 'button') found.push(el as never);
    }
  }
  return found;
}
