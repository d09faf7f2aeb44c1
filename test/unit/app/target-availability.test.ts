/** An absent target is said once — at start, per target not per role, and by reconciliation — and again when it is back. */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/app/reconcile.ts';
import { reportUnreachableTargets } from '../../../src/app/target-availability.ts';
import { createLogger } from '../../../src/logging.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { RecordingProvider } from '../../support/recording-provider.ts';

let h: Harness;
afterEach(async () => h?.close());

class AbsentTarget extends RecordingProvider {
  down = true;
  override async verify(): Promise<{ grantIds: string[] }> {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    return super.verify();
  }
}

function logged(): { lines: () => { level: number; msg: string; roles?: string[] }[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; roles?: string[] }) };
}

describe('target availability', () => {
  it('one warning per unreachable target at start, naming its roles; reconciliation then stays quiet until it answers', async () => {
    const provider = new AbsentTarget();
    h = createHarness({ provider });
    const log = logged();
    h.ctx.log = createLogger('info', log.stream);

    reportUnreachableTargets(h.ctx, [
      { role: 'readonly', resource: 'orders-db', problems: [], unreachable: 'connect ECONNREFUSED' },
      { role: 'writer', resource: 'orders-db', problems: [], unreachable: 'connect ECONNREFUSED' },
      { role: 'deploy', resource: 'deploy-hook', problems: [], unreachable: null },
    ]);
    await reconcile(h.ctx);
    await reconcile(h.ctx);
    const warnings = log.lines().filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ roles: ['readonly', 'writer'] });
    expect(warnings[0]!.msg).toContain('target orders-db is unavailable');

    provider.down = false;
    await reconcile(h.ctx);
    expect(log.lines().at(-1)).toMatchObject({ level: 30, msg: 'target reachable again' });
    provider.down = true;
    await reconcile(h.ctx);
    expect(log.lines().filter((l) => l.level === 40)).toHaveLength(2); // gone again: said again
  });
});
