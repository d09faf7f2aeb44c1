/**
 * The use cases never import the scheduler: src/scheduler drives src/app (sweeps, the expiry timer, start-up
 * catch-up), so an import the other way would make the two a cycle. What both need lives below them, in
 * src/app (in-flight.ts, lease.ts, overdue.ts) or src/domain (thresholds.ts). Checked on the source.
 */
import { describe, expect, it } from 'vitest';
import { imports, sources } from '../../support/source-files.ts';




describe('layering', () => {
  it('src/app and src/domain import nothing from src/scheduler', () => {
    const offenders = [...sources('src/app'), ...sources('src/domain')]
      .flatMap((file) => imports(file).filter((spec) => /(^|\/)scheduler\//.test(spec)).map((spec) => `${file} → ${spec}`));
    expect(offenders).toEqual([]);
  });
});
