/**
 * The store's seam, checked on the source: nothing outside `db/` imports drizzle, a SQLite or PostgreSQL
 * driver for the bot's own state, a schema or the SQL implementation. Code outside `db/` may use only the port
 * (db/store/port.ts, records.ts), open a store (open.ts) or copy one (copy.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PUBLIC_STORE_FILES = ['db/store/port.ts', 'db/store/records.ts', 'db/store/open.ts', 'db/store/copy.ts'];

function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
}

describe('the store boundary', () => {
  const outside = [...sources('src'), ...sources('adapters'), ...sources('bench')];

  it('is the only place that imports drizzle or better-sqlite3', () => {
    const offenders = outside.flatMap((file) => imports(file).filter((spec) => /^(drizzle-orm|better-sqlite3)(\/|$)/.test(spec)).map((spec) => `${file} → ${spec}`));
    expect(offenders).toEqual([]);
  });

  it('is entered only through the port, open and copy', () => {
    const offenders = outside.flatMap((file) =>
      imports(file)
        .filter((spec) => spec.includes('/db/'))
        .filter((spec) => !PUBLIC_STORE_FILES.some((allowed) => spec.endsWith(allowed)))
        .map((spec) => `${file} → ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('leaves the pg driver to the store and the PostgreSQL provider (a grant target, not our state; benchmarks drive targets too)', () => {
    const offenders = outside
      .filter((file) => !file.startsWith('src/providers/postgres/') && !file.startsWith('bench/'))
      .flatMap((file) => imports(file).filter((spec) => spec === 'pg').map((spec) => `${file} → ${spec}`));
    expect(offenders).toEqual([]);
  });
});
