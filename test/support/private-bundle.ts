/**
 * A production build (`scripts/build.js --out`) made for one test file, in a private folder inside the checkout
 * (so the external packages resolve from node_modules as they do from dist/), with a work folder beside it for
 * the processes the test starts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '../..');

export interface PrivateBundle {
  out: string;
  work: string;
  /** Module code (for `node --input-type=module -e`) that runs `accessbot ARGS` through the bundle's runCli. */
  runCliScript(args: readonly string[]): string;
  remove(): void;
}

/** Builds the bundle (a failed build throws with its stderr); `name` prefixes the folders under .tmp/. */
export function buildPrivateBundle(name: string): PrivateBundle {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const out = mkdtempSync(join(ROOT, '.tmp', `${name}-`));
  const work = mkdtempSync(join(ROOT, '.tmp', `${name}-work-`));
  const remove = () => {
    rmSync(out, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  };
  const built = spawnSync(process.execPath, ['scripts/build.js', '--out', out], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) {
    remove();
    throw new Error(`scripts/build.js exited ${built.status}: ${built.stderr}`);
  }
  const cli = JSON.stringify(pathToFileURL(join(out, 'app', 'cli.js')).href);
  return {
    out,
    work,
    runCliScript: (args) => `const { runCli } = await import(${cli}); process.exitCode = await runCli(${JSON.stringify(args)});`,
    remove,
  };
}
