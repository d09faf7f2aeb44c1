/** A recording provider whose calls can be held at the "target" until released, or never answer at all. */
import type { GrantOutcome, GrantTarget } from '../../../src/providers/types.ts';
import { RecordingProvider, type RecordedCall } from '../../support/recording-provider.ts';

type Op = RecordedCall['op'];

export class GatedProvider extends RecordingProvider {
  /** Calls that reached the provider, in order, including ones still waiting at a gate. */
  readonly started: Array<{ op: Op; grantId: string }> = [];
  private readonly gates = new Map<Op, { opened: Promise<void>; open: () => void; times: number }>();

  /** The next `times` calls of `op` wait until the returned function is called. */
  hold(op: Op, times = 1): () => void {
    let open: () => void = () => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    this.gates.set(op, { opened, open, times });
    return open;
  }

  startedCount(op: Op): number {
    return this.started.filter((c) => c.op === op).length;
  }

  override async grant(target: GrantTarget): Promise<GrantOutcome> {
    await this.pass('grant', target);
    return super.grant(target);
  }

  override async revoke(target: GrantTarget): Promise<{ detail?: Record<string, unknown> }> {
    await this.pass('revoke', target);
    return super.revoke(target);
  }

  private async pass(op: Op, target: GrantTarget): Promise<void> {
    this.started.push({ op, grantId: target.grantId });
    const gate = this.gates.get(op);
    if (gate && gate.times > 0) {
      gate.times--;
      await gate.opened;
    }
  }
}

/** Wait (real time) until `condition` holds, or fail after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
