#!/usr/bin/env node
/**
 * Second half of `npm run build`: copies every file the compiled code reads at run time and tsc does not emit
 * (drizzle migrations and their journals, the example policy, the Teams manifest, playground pages, …) into
 * dist/ at the same relative path, so `new URL('…', import.meta.url)` finds them from dist exactly as from the
 * sources. Anything under these folders that is not TypeScript is copied; nothing is listed by hand.
 */
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.argv[2] ?? join(root, 'dist');
const folders = ['src', 'db', 'adapters', 'playground', 'examples'];

for (const folder of folders) {
  const from = join(root, folder);
  if (!existsSync(from)) continue;
  const to = join(dist, folder);
  cpSync(from, to, {
    recursive: true,
    filter: (source) => !/\.[cm]?ts$/.test(source) || /\.d\.[cm]?ts$/.test(source),
  });
}
// An asset deleted from the sources (a migration, a page) must not live on in dist.
for (const folder of folders) {
  const copied = join(dist, folder);
  if (!existsSync(copied)) continue;
  for (const entry of readdirSync(copied, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.js')) continue;
    const path = join(entry.parentPath, entry.name);
    if (!existsSync(join(root, relative(dist, path)))) rmSync(path);
  }
}
console.log(`accessbot: built ${relative(process.cwd(), dist) || 'dist'}/ (JavaScript and run-time assets)`);
