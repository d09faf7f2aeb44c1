/**
 * The seams, checked on the source. The store: nothing outside `db/` imports drizzle, a SQLite or PostgreSQL
 * driver for the bot's own state, a schema or the SQL implementation. Code outside `db/` may use only the port
 * (db/store/port.ts, records.ts), open a store (open.ts) or copy one (copy.ts); benchmarks may also open the audit
 * filler (db/store/bench-audit-filler.ts), which the bot never reaches. The chat boundary (DESIGN §2):
 * adapters import neither `db/` nor `src/providers/`, and the core imports no chat SDK.
 */
import { describe, expect, it } from 'vitest';
import { imports, importTarget as target, sources } from '../../support/source-files.ts';

const PUBLIC_STORE_FILES = ['db/store/port.ts', 'db/store/records.ts', 'db/store/open.ts', 'db/store/copy.ts'];
/** Writes audit rows the chain does not cover (log-scale filler): for benchmarks, never for the bot. */
const BENCH_ONLY_STORE_FILES = ['db/store/bench-audit-filler.ts'];

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
        .filter((spec) => !(file.startsWith('bench/') && BENCH_ONLY_STORE_FILES.some((allowed) => spec.endsWith(allowed))))
        .map((spec) => `${file} → ${spec}`),
    );
    expect(offenders).toEqual([]);
    // The bench-only filler is in use, so the exception above is not dead — and only benchmarks hold it.
    expect(outside.filter((file) => imports(file).some((spec) => BENCH_ONLY_STORE_FILES.some((allowed) => spec.endsWith(allowed))))).toEqual(['bench/lib/audit-log.ts']);
  });

  it('leaves the pg driver to the store and the PostgreSQL provider (a grant target, not our state; benchmarks drive targets too)', () => {
    const offenders = outside
      .filter((file) => !file.startsWith('src/providers/postgres/') && !file.startsWith('bench/'))
      .flatMap((file) => imports(file).filter((spec) => spec === 'pg').map((spec) => `${file} → ${spec}`));
    expect(offenders).toEqual([]);
  });
});

describe('the chat boundary', () => {
  it('keeps adapters off the store, drizzle and the providers: they reach both only through the core', () => {
    const offenders = sources('adapters').flatMap((file) =>
      imports(file)
        .map((spec) => target(file, spec))
        .filter((to) => /^(db\/|src\/providers\/|drizzle-orm(\/|$))/.test(to))
        .map((to) => `${file} → ${to}`),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps chat SDKs out of the core: nothing under src/ imports @slack/* or botbuilder', () => {
    const offenders = sources('src').flatMap((file) => imports(file).filter((spec) => /^(@slack\/|botbuilder(\/|$)|botframework-)/.test(spec)).map((spec) => `${file} → ${spec}`));
    expect(offenders).toEqual([]);
  });

  it('keeps the core off the adapters, except the composition root that starts them', () => {
    const offenders = sources('src')
      .filter((file) => file !== 'src/main.ts')
      .flatMap((file) => imports(file).filter((spec) => target(file, spec).startsWith('adapters/')).map((spec) => `${file} → ${spec}`));
    expect(offenders).toEqual([]);
    // The matcher sees the one import that is allowed, so an empty list above means something.
    expect(imports('src/main.ts').map((spec) => target('src/main.ts', spec))).toContain('adapters/slack/index.ts');
  });
});
