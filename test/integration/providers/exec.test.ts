/** The exec provider running a real child process (node script, no shell). */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createExecProvider, execResourceSchema } from '../../../src/providers/exec.ts';
import { ProviderError } from '../../../src/providers/types.ts';
import { grantTarget, testDeps } from './grant-target.ts';

const script = fileURLToPath(new URL('./fixtures/exec-target.mjs', import.meta.url));

/** Whether a process still runs (a zombie waiting to be reaped does not count). */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (existsSync('/proc/self/stat')) return existsSync(stat) && !/^\d+ \(.*\) Z /.test(readFileSync(stat, 'utf8'));
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function provider(mode: string, extra: Record<string, unknown> = {}) {
  const settings = execResourceSchema.parse({ command: [process.execPath, script], env: { MODE: mode, EXTRA: 'x' }, ...extra });
  return createExecProvider('deploy', settings, testDeps({ PATH: process.env.PATH, HOME: '/should/not/leak' }));
}

describe('exec provider', () => {
  it('passes the grant in ACCESSBOT_* variables plus PATH, and returns credentials printed on stdout', async () => {
    const target = grantTarget({ params: { cluster: 'prod', replicas: 2 } });
    const outcome = await provider('env').grant(target);
    expect(outcome.credentials?.token).toBe(`tok-${target.grantId}`);
    const env = JSON.parse(outcome.credentials!.env!) as Record<string, string>;
    expect(env).toMatchObject({
      ACCESSBOT_EVENT: 'grant',
      ACCESSBOT_GRANT_ID: target.grantId,
      ACCESSBOT_REQUEST_ID: 'AR-42',
      ACCESSBOT_REQUESTER_EMAIL: 'alice@example.com',
      ACCESSBOT_ROLE: 'readonly',
      ACCESSBOT_RESOURCE: 'orders-db',
      ACCESSBOT_EXPIRES_AT: target.expiresAt.toISOString(),
      ACCESSBOT_PARAMS: JSON.stringify({ cluster: 'prod', replicas: 2 }),
      PATH: process.env.PATH,
      EXTRA: 'x',
    });
    expect(env.HOME).toBeUndefined(); // only PATH from the bot's own environment
  });

  it('names the event: revoke and extend', async () => {
    const exec = provider('env');
    const extended = await exec.extend!(grantTarget());
    expect(JSON.parse(extended.credentials!.env!).ACCESSBOT_EVENT).toBe('extend');
    await expect(exec.revoke(grantTarget())).resolves.toMatchObject({ detail: { program: process.execPath } });
  });

  it('passes arguments as they are, with no shell in between', async () => {
    const args = ['; echo hacked', '$(id)', '`id`', '*', '$HOME', 'a b', "'\"", '| cat'];
    const settings = execResourceSchema.parse({ command: [process.execPath, script, ...args], env: { MODE: 'argv' } });
    const outcome = await createExecProvider('deploy', settings, testDeps()).grant(grantTarget());
    expect(JSON.parse(outcome.credentials!.argv!)).toEqual(args);
  });

  it('treats plain stdout as a log line, not credentials', async () => {
    expect((await provider('log').grant(grantTarget())).credentials).toBeUndefined();
  });

  it('a non-zero exit fails for good, with stderr cut to 2 KB', async () => {
    const error = await provider('fail').grant(grantTarget()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: false, detail: { exit_code: 3 } });
    expect(((error as ProviderError).detail.stderr as string).length).toBe(2048);
  });

  it('exit 75 (EX_TEMPFAIL) is retryable', async () => {
    const error = await provider('tempfail').grant(grantTarget()).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true, detail: { exit_code: 75, stderr: 'target busy' } });
  });

  it('kills a command that runs past its time-out (and what it started) and says it may be retried', async () => {
    for (const mode of ['hang', 'hang-with-child']) {
      const started = Date.now();
      const error = await provider(mode, { timeout: '1s' }).grant(grantTarget()).catch((e: unknown) => e);
      expect(error).toMatchObject({ retryable: true, message: expect.stringContaining('timed out after 1s') });
      expect(Date.now() - started).toBeLessThan(2500);
      if (mode === 'hang-with-child') {
        const pid = Number(/child-pid=(\d+)/.exec((error as ProviderError).detail.stderr as string)?.[1]);
        expect(pid).toBeGreaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(running(pid)).toBe(false);
      }
    }
  });

  it('does not wait for something the program left running that still holds its output', async () => {
    const started = Date.now();
    const outcome = await provider('daemon', { timeout: '20s' }).grant(grantTarget());
    const pid = Number(outcome.credentials?.daemon_pid);
    try {
      expect(pid).toBeGreaterThan(0);
      expect(running(pid)).toBe(true); // it really still runs, and holds stdout
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('reads 100 MB of output without keeping it: plain output is a log, a JSON answer that large fails', async () => {
    const before = process.memoryUsage().rss;
    const outcome = await provider('flood', { timeout: '60s' }).grant(grantTarget());
    expect(outcome.credentials).toBeUndefined();
    expect(process.memoryUsage().rss - before).toBeLessThan(60 * 1024 * 1024);
    const error = await provider('flood-json', { timeout: '60s' }).grant(grantTarget()).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining('more than 1 MB') });
  }, 60_000);

  it('refuses credentials that are not an object of strings; a revoke does not read them', async () => {
    await expect(provider('bad-credentials').grant(grantTarget())).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('not an object of strings') });
    await expect(provider('bad-credentials').revoke(grantTarget())).resolves.toMatchObject({ detail: { program: process.execPath } });
  });

  it('a program that does not exist fails for good', async () => {
    const settings = execResourceSchema.parse({ command: ['/nonexistent/grant-script'] });
    const error = await createExecProvider('deploy', settings, testDeps()).grant(grantTarget()).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining('ENOENT') });
  });
});
