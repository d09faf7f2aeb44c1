/** A provider that records what it was asked to do and holds "access" in memory, idempotently by grant id. */
import type { ActivityReport } from '../../src/domain/activity.ts';
import type { RevokeOutcome } from '../../src/providers/types.ts';
import { ProviderError, type GrantOutcome, type GrantTarget, type Provider } from '../../src/providers/types.ts';

export interface RecordedCall {
  op: 'grant' | 'revoke' | 'extend';
  grantId: string;
  expiresAt: number;
  approvedBy: string[];
}

export class RecordingProvider implements Provider {
  readonly kind = 'recording';
  readonly calls: RecordedCall[] = [];
  /** grantId → expiry currently held at the "target". */
  readonly held = new Map<string, number>();
  /** Fail the next N calls of an operation (retryable unless said otherwise). */
  failures: { op: RecordedCall['op']; remaining: number; retryable: boolean }[] = [];
  credentials: Record<string, string> | null = null;
  delayMs = 0;
  /** What the next revokes report the holder did (issue 15), or nothing. */
  revokeActivity: ActivityReport | null = null;

  constructor(readonly resource = 'orders-db') {}

  failNext(op: RecordedCall['op'], times: number, retryable = true): void {
    this.failures.push({ op, remaining: times, retryable });
  }

  async grant(target: GrantTarget): Promise<GrantOutcome> {
    await this.step('grant', target);
    this.held.set(target.grantId, target.expiresAt.getTime());
    return { ...(this.credentials ? { credentials: this.credentials } : {}), detail: { user: `recording_${target.grantId}` } };
  }

  async extend(target: GrantTarget): Promise<GrantOutcome> {
    await this.step('extend', target);
    this.held.set(target.grantId, target.expiresAt.getTime());
    return {};
  }

  async revoke(target: GrantTarget): Promise<RevokeOutcome> {
    await this.step('revoke', target);
    this.held.delete(target.grantId);
    return this.revokeActivity ? { activity: this.revokeActivity } : {};
  }

  async verify(): Promise<{ grantIds: string[] }> {
    return { grantIds: [...this.held.keys()] };
  }

  count(op: RecordedCall['op']): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  private async step(op: RecordedCall['op'], target: GrantTarget): Promise<void> {
    this.calls.push({ op, grantId: target.grantId, expiresAt: target.expiresAt.getTime(), approvedBy: target.approvedBy });
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const failure = this.failures.find((f) => f.op === op && f.remaining > 0);
    if (failure) {
      failure.remaining--;
      throw new ProviderError(`${op} failed on purpose`, failure.retryable);
    }
  }
}
