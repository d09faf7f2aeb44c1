/** Shared set-up for scheduler tests: the core harness on the (faked) system clock, a recording chat port. */
import { eq } from 'drizzle-orm';
import { auditEvents, grants } from '../../../db/schema.ts';
import type { ChatPort, Notice } from '../../../src/app/ports.ts';
import { requestAccess } from '../../../src/app/request-access.ts';
import { systemClock } from '../../../src/domain/clock.ts';
import type { Person } from '../../../src/domain/identity.ts';
import { alice } from '../../support/policy-fixture.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';

export const M = 60_000;
/** Monday 5 January 2026, 09:00 UTC. */
export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export interface RecordingPort extends ChatPort {
  seen: Notice[];
  failing: number;
}

export function recordingPort(): RecordingPort {
  const port: RecordingPort = {
    platform: 'slack',
    seen: [],
    failing: 0,
    deliver: async (notice) => {
      if (port.failing > 0) {
        port.failing--;
        throw new Error('chat is down');
      }
      port.seen.push(notice);
    },
  };
  return port;
}

/** The core harness reading the system clock, which vitest's fake timers control. */
export function fakeTimeHarness(options: { ports?: ChatPort[] } = {}): Harness {
  const h = createHarness(options);
  h.ctx.clock = systemClock;
  return h;
}

export function fileGrant(h: Harness, durationMs = 10 * M, requester: Person = alice): string {
  const { grantId } = requestAccess(h.ctx, { roleName: 'readonly', requester, durationMs, reason: 'scheduler test', origin: 'test' });
  if (!grantId) throw new Error('expected an auto-approved grant');
  return grantId;
}

export function grantRow(h: Harness, id: string) {
  return h.db.orm.select().from(grants).where(eq(grants.id, id)).get()!;
}

export function auditOf(h: Harness, action: string): Array<{ grantId: string | null; actor: string; details: Record<string, unknown> }> {
  return h.db.orm
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.action, action))
    .all()
    .map((row) => ({ grantId: row.grantId, actor: row.actor, details: JSON.parse(row.details) as Record<string, unknown> }));
}

export function person(n: number): Person {
  return { email: `user${n}@example.com`, name: `user${n}` };
}
