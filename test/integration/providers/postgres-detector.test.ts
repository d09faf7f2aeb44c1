/**
 * The PostgreSQL detector every PostgreSQL test file calls: without a server those tests skip with a line
 * saying why on a developer machine, and fail under CI (`.ci/run` sets CI=true).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { detectPostgres, runningInCi, scramClusterSkipReason } from '../../support/postgres.ts';

const NOTHING_LISTENS = 'postgres://postgres:pw-not-shown@127.0.0.1:1/test';

describe('PostgreSQL test detector', () => {
  const ci = process.env.CI;
  const pgBin = process.env.PG_BIN;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    if (pgBin === undefined) delete process.env.PG_BIN;
    else process.env.PG_BIN = pgBin;
    vi.restoreAllMocks();
  });

  it('on a developer machine: unreachable server → skip, with a clear line that hides the password', async () => {
    delete process.env.CI;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const found = await detectPostgres(NOTHING_LISTENS);
    expect(found).toMatchObject({ available: false, skipReason: expect.stringMatching(/^PostgreSQL tests skipped: no server at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test/) });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('PostgreSQL tests skipped'));
    expect(JSON.stringify(warn.mock.calls)).not.toContain('pw-not-shown');
  });

  it('under CI: unreachable server, or no initdb for the private cluster → the test file fails', async () => {
    process.env.CI = 'true';
    await expect(detectPostgres(NOTHING_LISTENS)).rejects.toThrow(/CI is set, so this is a failure/);
    process.env.PG_BIN = '/nonexistent/postgresql/bin';
    expect(() => scramClusterSkipReason()).toThrow(/initdb\/pg_ctl not found.*CI is set/);
  });

  it('reads CI the way CI systems set it', () => {
    expect([undefined, '', 'false', '0', 'FALSE'].map((CI) => runningInCi({ CI }))).toEqual([false, false, false, false, false]);
    expect(['true', '1', 'TRUE', 'yes'].map((CI) => runningInCi({ CI }))).toEqual([true, true, true, true]);
  });
});
