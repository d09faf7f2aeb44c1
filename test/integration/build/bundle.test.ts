/**
 * What `npm run build` makes is what production runs (bin/accessbot.js → dist/app/cli.js), and the tests
 * otherwise run the TypeScript sources. Built into a private folder inside the checkout (so the external packages
 * resolve from node_modules as from dist/), the bundle must find the files our code reads beside its sources
 * (migrations, the example policy) and load each command's chunk, including the native and external packages.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateBundle, type PrivateBundle } from '../../support/private-bundle.ts';

describe('the production bundle (scripts/build.js)', () => {
  let bundle: PrivateBundle;
  let out: string;
  let work: string;
  beforeAll(() => {
    bundle = buildPrivateBundle('bundle');
    ({ out, work } = bundle);
  }, 120_000);
  afterAll(() => bundle?.remove());

  /** `accessbot ARGS` through the bundle's runCli, in a fresh process with only `env`. */
  const cli = (args: string[], env: Record<string, string> = {}) => {
    return spawnSync(process.execPath, ['--input-type=module', '-e', bundle.runCliScript(args)], { cwd: work, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  };

  it('splits the commands into chunks and leaves the native driver outside', () => {
    const chunks = readdirSync(join(out, 'app'));
    expect(chunks).toContain('cli.js');
    expect(chunks.length).toBeGreaterThan(1);
    const imported = chunks.map((chunk) => readFileSync(join(out, 'app', chunk), 'utf8')).join('\n');
    expect(imported).toMatch(/from\s*"better-sqlite3"/);
    expect(existsSync(join(out, 'db', 'sqlite', 'migrations', 'meta', '_journal.json'))).toBe(true);
  });

  it('migrate applies the SQLite migrations copied beside the bundle', () => {
    const db = join(work, 'a.db');
    const run = cli(['migrate'], { ACCESSBOT_DB: db });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('up to date');
    expect(existsSync(db)).toBe(true);
  });

  it('policy check with no file reads the example policy shipped beside the bundle', () => {
    const run = cli(['policy', 'check']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('policy OK');
    expect(run.stdout).toContain(join(out, 'examples', 'accessbot.yaml'));
  });
});
