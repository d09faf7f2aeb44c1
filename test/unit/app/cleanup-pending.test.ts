/**
 * A target that cut the login but could not remove what the holder left behind (PostgreSQL: objects another
 * role depends on) answers the revoke with `cleanup_pending`: the grant is revoked, the audit row keeps the
 * detail, and the audit channel is told once — instead of a revoke that fails for ever.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatPort, Notice } from '../../../src/app/ports.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import type { GrantTarget } from '../../../src/providers/types.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice } from '../../support/policy-fixture.ts';
import { RecordingProvider } from '../../support/recording-provider.ts';

class LeavesObjectsBehind extends RecordingProvider {
  override async revoke(target: GrantTarget): Promise<{ detail?: Record<string, unknown> }> {
    await super.revoke(target);
    return { detail: { access_cut: true, dropped: false, cleanup_pending: ['view public.leak', 'function public.keep()'] } };
  }
}

let h: Harness;
afterEach(async () => h?.close());

describe('a revoke that leaves cleanup pending', () => {
  it('revokes the grant, keeps the detail in the audit log and alerts the audit channel once', async () => {
    const seen: Notice[] = [];
    const port: ChatPort = { platform: 'slack', deliver: async (notice) => void seen.push(notice) };
    h = createHarness({ ports: [port], provider: new LeavesObjectsBehind() });
    const { view } = await requestAccess(h.ctx, { roleName: 'readonly', requester: alice, durationMs: 10 * 60_000, reason: 'look', origin: 'test' });
    await h.worker.idle();
    await revokeAccess(h.ctx, { requestId: view.id, actor: alice });
    await h.worker.idle();

    expect((await h.store.grantOfRequest(view.id))?.status).toBe('revoked');
    let revokedDetail: Record<string, unknown> | null = null;
    for await (const row of h.store.auditRows()) if (row.action === 'grant.revoked') revokedDetail = JSON.parse(row.details) as Record<string, unknown>;
    expect(revokedDetail).toMatchObject({ access_cut: true, cleanup_pending: ['view public.leak', 'function public.keep()'] });
    const alerts = seen.filter((n) => n.type === 'audit.alert');
    expect(alerts).toEqual([
      expect.objectContaining({ code: 'cleanup_pending', requestId: view.id, text: expect.stringContaining('cleanup is pending: view public.leak, function public.keep()') }),
    ]);
  });
});
