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

/**
 * Dependencies that load at start a module only one configuration uses. In the bundle such a `require` runs when
 * first used instead (a getter in its place). Each line is matched exactly: a release that changes it fails the
 * build here, rather than quietly loading eagerly again.
 *   - Bolt's index loads its Socket Mode receiver, which loads @slack/socket-mode and with it a second undici
 *     (~1 MB of JavaScript run at start) — in an HTTP-mode bot too, which never opens a socket. The receiver only
 *     constructs a SocketModeClient (SLACK_APP_TOKEN set).
 */
const LAZY_REQUIRES = [
  {
    file: /[\\/]@slack[\\/]bolt[\\/]dist[\\/]receivers[\\/]SocketModeReceiver\.js$/,
    eager: 'const socket_mode_1 = require("@slack/socket-mode");',
    lazy: 'const socket_mode_1 = { get SocketModeClient() { return require("@slack/socket-mode").SocketModeClient; } };',
  },
];
const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    for (const { file, eager, lazy } of LAZY_REQUIRES) {
      b.onLoad({ filter: file }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes(eager)) throw new Error(`${args.path}: expected \`${eager}\` (the package changed; update LAZY_REQUIRES in scripts/build.js)`);
        return { contents: source.replace(eager, lazy), loader: 'js' };
      });
    }
  },
};

/**
 * zod re-exports every locale it ships (`z.locales.*`, ~45 languages, 366 kB — half of zod in the bundle) from its
 * index, which a bundler cannot leave out; every command that validates anything would parse them at start. We use
 * zod's default English messages only (src never calls z.config or z.locales), so the bundle's locales index holds
 * English alone. zod's own tests for this are its package; ours: test/integration/build/bundle.test.ts.
 */
const englishOnlyZodLocales = {
  name: 'english-only-zod-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)) return undefined;
      return { path: join(dirname(args.importer), '..', 'locales', 'en.js'), namespace: 'zod-locales' };
    });
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
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
  // No comments or indentation: each chunk's source stays in the heap as long as the process runs (V8 compiles
  // functions lazily from it), and Bolt's JSDoc alone holds non-Latin-1 characters that made V8 keep whole chunks
  // as two-byte strings (the Slack chunk was 3.5 MB of heap). Identifiers stay; the linked source map places a
  // stack trace's line:column back in our sources (`node --enable-source-maps bin/accessbot.js …`).
  minifyWhitespace: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [ownImportMetaUrl, lazyRequires, englishOnlyZodLocales],
});

const copied = spawnSync(process.execPath, [join(root, 'scripts', 'copy-build-assets.js'), dist], { stdio: 'inherit' });
process.exitCode = copied.status ?? 1;
