/**
 * The Bot Framework SDK is archived upstream: every botbuilder (and botframework-*) import stays inside
 * adapters/teams/, so moving to a successor SDK is a one-folder change. Checked on the source.
 */
import { describe, expect, it } from 'vitest';
import { imports, sources } from '../../support/source-files.ts';

describe('the Teams SDK boundary', () => {
  it('keeps botbuilder imports inside adapters/teams/', () => {
    const outside = ['src', 'adapters', 'db', 'playground', 'bench'].flatMap((folder) => sources(folder)).filter((file) => !file.startsWith('adapters/teams/'));
    const offenders = outside.flatMap((file) => imports(file).filter((spec) => /^(botbuilder|botframework-)/.test(spec)).map((spec) => `${file} → ${spec}`));
    expect(offenders).toEqual([]);
    // The matcher sees the adapter's own imports, so an empty list above means something.
    expect(sources('adapters/teams').some((file) => imports(file).includes('botbuilder'))).toBe(true);
  });
});
