/**
 * What the reloader starts from: the policy's hash (sha256 of the file's bytes, as `sha256sum` prints it) and
 * the watch that notices the file changed, however it was written (in place, replaced by rename, behind a
 * symlink), debounced into one call.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadPolicyFile, loadPolicyText } from '../../../src/config/load-policy.ts';
import { watchPolicyFile, type PolicyWatcher } from '../../../src/config/policy-watcher.ts';
import { silentLogger } from '../../../src/logging.ts';
import { baseEnv, basePolicy, fakeProviders } from './fixtures.ts';

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');
const dir = () => mkdtempSync(join(tmpdir(), 'accessbot-policy-'));

describe('the policy hash', () => {
  it('is the sha256 of the file bytes, on the policy and on the result, valid or not', () => {
    const path = join(dir(), 'accessbot.yaml');
    const bytes = Buffer.from(`# comment\r\n${stringify(basePolicy())}`.replace(/\n/g, '\r\n'), 'utf8');
    writeFileSync(path, bytes);
    const loaded = loadPolicyFile(path, { env: baseEnv, providers: fakeProviders });
    expect(loaded.ok).toBe(true);
    expect(loaded.ok && loaded.policy.hash).toBe(sha256(bytes));
    expect(loaded.hash).toBe(sha256(bytes));

    writeFileSync(path, 'version: 1\nroles: {}\nresources: [oops\n');
    const broken = loadPolicyFile(path, { env: baseEnv, providers: fakeProviders });
    expect(broken).toMatchObject({ ok: false, hash: sha256('version: 1\nroles: {}\nresources: [oops\n') });
    expect(loadPolicyFile(join(dir(), 'missing.yaml'), { env: baseEnv, providers: fakeProviders })).toMatchObject({ ok: false, hash: null });
  });

  it('a comment changes the hash, not the rules', () => {
    const text = stringify(basePolicy());
    const a = loadPolicyText(text, { env: baseEnv, providers: fakeProviders });
    const b = loadPolicyText(`# reviewed in PR 12\n${text}`, { env: baseEnv, providers: fakeProviders });
    expect(a.ok && b.ok && a.policy.hash !== b.policy.hash).toBe(true);
  });
});

describe('watchPolicyFile', () => {
  let watcher: PolicyWatcher | null = null;
  afterEach(() => {
    watcher?.close();
    watcher = null;
  });

  function watchCounting(path: string, pollMs = 60_000): { count: () => number; next: () => Promise<void> } {
    let calls = 0;
    let wake: (() => void) | null = null;
    watcher = watchPolicyFile(
      path,
      () => {
        calls++;
        wake?.();
      },
      { debounceMs: 100, pollMs, log: silentLogger() },
    );
    return {
      count: () => calls,
      next: () =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no change noticed')), 5_000);
          wake = () => {
            clearTimeout(timer);
            wake = null;
            resolve();
          };
        }),
    };
  }

  const settle = () => new Promise((r) => setTimeout(r, 400));

  it('an in-place save, then a save that replaces the file by rename, then an in-place save again: one call each', async () => {
    const folder = dir();
    const path = join(folder, 'accessbot.yaml');
    writeFileSync(path, 'version: 1\n');
    const seen = watchCounting(path);

    let next = seen.next();
    writeFileSync(path, 'version: 1\n# one\n');
    writeFileSync(path, 'version: 1\n# one, saved twice\n');
    await next;
    await settle();
    expect(seen.count()).toBe(1);

    next = seen.next();
    writeFileSync(join(folder, '.accessbot.yaml.tmp'), 'version: 1\n# two\n');
    renameSync(join(folder, '.accessbot.yaml.tmp'), path);
    await next;
    await settle();
    expect(seen.count()).toBe(2);

    next = seen.next();
    writeFileSync(path, 'version: 1\n# three\n');
    await next;
    expect(seen.count()).toBe(3);
  });

  it('other files in the directory (the database, editor swap files) are not the policy', async () => {
    const folder = dir();
    const path = join(folder, 'accessbot.yaml');
    writeFileSync(path, 'version: 1\n');
    const seen = watchCounting(path);
    writeFileSync(join(folder, 'accessbot.db-wal'), 'x');
    writeFileSync(join(folder, '.accessbot.yaml.swp'), 'x');
    await settle();
    expect(seen.count()).toBe(0);
  });

  it('behind a symlink whose target lives elsewhere (a ConfigMap volume): the stat poll notices the new content', async () => {
    const real = join(dir(), 'policy.yaml');
    writeFileSync(real, 'version: 1\n');
    const path = join(dir(), 'accessbot.yaml');
    symlinkSync(real, path);
    const seen = watchCounting(path, 100);
    await settle();
    const next = seen.next();
    writeFileSync(real, 'version: 1\n# changed behind the link\n');
    await next;
    expect(seen.count()).toBe(1);
  });
});
