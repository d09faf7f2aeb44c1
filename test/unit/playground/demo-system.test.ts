/** The demo production system script, run as the exec provider runs it: idempotent grant, extend and revoke. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDemoState } from '../../../playground/server/demo-state.ts';

const SCRIPT = 'playground/demo-system/demo-system.mjs';

function run(event: string, file: string, extra: Record<string, string> = {}) {
  return spawnSync(process.execPath, [SCRIPT], {
    env: {
      DEMO_SYSTEM_STATE: file,
      ACCESSBOT_EVENT: event,
      ACCESSBOT_GRANT_ID: 'g-1',
      ACCESSBOT_REQUEST_ID: '7',
      ACCESSBOT_REQUESTER_EMAIL: 'alice@example.com',
      ACCESSBOT_ROLE: 'demo',
      ACCESSBOT_PARAMS: '{"access":"operator"}',
      ACCESSBOT_STARTS_AT: '2026-01-05T08:00:00.000Z',
      ACCESSBOT_EXPIRES_AT: '2026-01-05T08:05:00.000Z',
      ACCESSBOT_APPROVED_BY: 'bob@example.com',
      ...extra,
    },
    encoding: 'utf8',
  });
}

describe('playground/demo-system/demo-system.mjs', () => {
  it('holds a grant once however often it is granted, moves its end on extend, and lets go on revoke', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'demo-system-')), 'state.json');
    expect(run('grant', file).status).toBe(0);
    expect(run('grant', file).status).toBe(0);
    expect(readDemoState(file).access).toEqual([
      { grant: 'g-1', request: '7', who: 'alice@example.com', role: 'demo', access: { access: 'operator' }, since: '2026-01-05T08:00:00.000Z', until: '2026-01-05T08:05:00.000Z', approvedBy: ['bob@example.com'] },
    ]);
    expect(run('extend', file, { ACCESSBOT_EXPIRES_AT: '2026-01-05T08:35:00.000Z' }).status).toBe(0);
    expect(readDemoState(file).access.map((a) => a.until)).toEqual(['2026-01-05T08:35:00.000Z']);
    expect(run('revoke', file).status).toBe(0);
    expect(run('revoke', file).status).toBe(0); // revoking what is not held is fine
    const state = readDemoState(file);
    expect(state.access).toEqual([]);
    expect(state.history.map((h) => h.event)).toEqual(['revoke', 'extend', 'grant', 'grant']);
  });

  it('refuses to run outside accessbot, saying why', () => {
    const result = spawnSync(process.execPath, [SCRIPT], { env: {}, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('run me from accessbot');
  });
});
