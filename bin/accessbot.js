#!/usr/bin/env node
// Installed entry point. Runs the bundled CLI in dist/app/ (built by `npm run build`, which `npm ci`/`npm install`
// run through "prepare" and `npm start` through "prestart"; scripts/build.js says why a bundle): no TypeScript is
// transpiled at start. A checkout that has never been built (dist/ missing) still works, through tsx, only slower
// to start.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/app/cli.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
