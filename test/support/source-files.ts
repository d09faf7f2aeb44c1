/** The project's own TypeScript sources and what each imports, for tests that check boundaries on the source. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every .ts file under `folder` (relative to the repository root), as root-relative paths. */
export function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** The module specifiers a file imports or re-exports (static and dynamic). */
export function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
}

/** Where a relative import points, from the repository root ("db/store/port.ts"); a package name as is. */
export function importTarget(file: string, spec: string): string {
  return spec.startsWith('.') ? relative(ROOT, join(ROOT, file, '..', spec)) : spec;
}
