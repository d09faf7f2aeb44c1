#!/usr/bin/env node
/**
 * `npm run build` (run by `prepare` on npm ci/npm install and by `prestart`): bundles the production entry
 * (src/cli.ts) with esbuild into dist/app/, then copies the run-time assets (scripts/copy-build-assets.js).
 *
 * Why a bundle and not one .js file per .ts file: Node 20's ESM loader pays per module — resolve, stat,
 * package.json reads, read, link — and `serve` loaded ~1,080 modules (`policy check` ~235). One bundle with
 * code splitting keeps each command's own share lazy (a dynamic import becomes a chunk: `policy check` never
 * loads Bolt, a Slack-only bot never loads Teams) while the loader sees a handful of files.
 *
 * What stays outside the bundle, resolved from node_modules at run time as before:
 *   - better-sqlite3 (native addon), pg / pg-native (optional native half; loaded by createRequire anyway);
 *   - pino, pino-pretty, thread-stream: pino starts worker threads from files beside its own sources;
 *   - node-cron: its background mode forks a file beside its own sources;
 *   - botbuilder, botframework-connector: only a Teams bot loads them, and they read files relative to themselves.
 * Type checking is `npm run typecheck`'s job, as it was with `tsc --noCheck`.
 */
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--out DIR` (inside the checkout, so the external packages resolve from its node_modules): a test builds there.
const outArg = process.argv.indexOf('--out');
const dist = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(root, 'dist');
const outdir = join(dist, 'app');

export const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native', 'pino', 'pino-pretty', 'thread-stream', 'node-cron', 'botbuilder', 'botbuilder-*', 'botframework-*'];

/**
 * Code of ours finds files beside its source (`new URL('./migrations', import.meta.url)`, the example policy,
 * the playground's pages). Inside a bundle import.meta.url would be the chunk's; each of our modules gets the URL
 * its own compiled file would have had (dist/<same path>.js), where copy-build-assets.js puts those files.
 */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
      const compiled = join(dist, relative(root, args.path)).replace(/\.ts$/, '.js');
      const href = `new URL(${JSON.stringify(relative(outdir, compiled))}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', href), loader: 'ts' };
    });
  },
};

rmSync(dist, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: '[name]-[hash]',
  external: EXTERNAL,
  // Bundled CommonJS packages (Bolt, express, yaml, …) call require() for node built-ins; ESM has none.
  banner: { js: "import { createRequire as __accessbotCreateRequire } from 'node:module'; const require = __accessbotCreateRequire(import.meta.url);" },
  // Class and function names stay as written (errors and logs print them), not renamed to avoid collisions.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [ownImportMetaUrl],
});

const copied = spawnSync(process.execPath, [join(root, 'scripts', 'copy-build-assets.js'), dist], { stdio: 'inherit' });
process.exitCode = copied.status ?? 1;
