/** Someone with write access to the SQLite file edits, deletes or re-orders audit rows: verify names the row. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { requestAccess } from '../../src/app/request-access.ts';
import { review } from '../../src/app/review.ts';
import { runCli } from '../../src/cli.ts';
import { alice, bob } from '../support/policy-fixture.ts';
import { createHarness, type Harness } from '../support/core-harness.ts';

let h: Harness;
let lines: { out: string[]; err: string[] };

async function verify(): Promise<number> {
  lines = { out: [], err: [] };
  return runCli(['audit', 'verify'], { out: (l) => lines.out.push(l), err: (l) => lines.err.push(l), env: { ACCESSBOT_DB: h.dbPath } });
}

/** The attacker's connection: triggers dropped first, as anyone with the file could. */
function tamper(sql: string): void {
  const raw = new Database(h.dbPath);
  raw.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;');
  raw.exec(sql);
  raw.close();
}

beforeEach(async () => {
  h = createHarness();
  for (let i = 0; i < 3; i++) {
    const { view } = await requestAccess(h.ctx, { roleName: 'writer', requester: alice, reason: `fix ${i}`, ticket: `INC-${i}`, origin: 'test' });
    await review(h.ctx, { requestId: view.id, reviewer: bob, decision: 'deny', note: 'no' });
  }
  await h.worker.idle();
  await h.close();
});
afterEach(() => {});

describe('audit verify', () => {
  it('passes on an untouched log', async () => {
    expect(await verify()).toBe(0);
    expect(lines.out.join('\n')).toMatch(/audit log intact: 9 events/);
  });

  it('the database itself refuses UPDATE and DELETE', () => {
    const raw = new Database(h.dbPath);
    expect(() => raw.exec("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")).toThrow(/append-only/);
    expect(() => raw.exec('DELETE FROM audit_events WHERE seq = 2')).toThrow(/append-only/);
    raw.close();
  });

  it('names an edited row', async () => {
    tamper(`UPDATE audit_events SET details = replace(details, 'fix 1', 'nothing to see') WHERE seq = 4`);
    expect(await verify()).toBe(1);
    expect(lines.err.join('\n')).toMatch(/tampered at row 4: row 4 was edited/);
  });

  it('names a deleted row', async () => {
    tamper('DELETE FROM audit_events WHERE seq = 5');
    expect(await verify()).toBe(1);
    expect(lines.err.join('\n')).toMatch(/row 5 is missing/);
  });

  it('notices rows cut from the end', async () => {
    tamper('DELETE FROM audit_events WHERE seq >= 8');
    expect(await verify()).toBe(1);
    expect(lines.err.join('\n')).toMatch(/rows 8–9 are missing from the end/);
  });

  it('names a row inserted out of order (even with a recomputed hash of its own)', async () => {
    tamper(`UPDATE audit_events SET seq = seq + 100 WHERE seq >= 3; UPDATE audit_events SET seq = seq - 99 WHERE seq >= 103;
            INSERT INTO audit_events (seq, at, actor, action, request_id, grant_id, from_status, to_status, details, prev_hash, hash)
            SELECT 3, at, 'mallory@example.com', 'review.approved', request_id, NULL, NULL, NULL, '{}', hash, hash FROM audit_events WHERE seq = 2;`);
    expect(await verify()).toBe(1);
    expect(lines.err.join('\n')).toMatch(/row 3/);
  });
});
