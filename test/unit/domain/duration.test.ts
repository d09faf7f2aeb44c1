import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../../src/domain/duration.ts';

describe('durations', () => {
  it.each([
    ['45s', 45_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['1D', 86_400_000],
    [' 15m ', 900_000],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '9x', '30', 'm', '1m1h', '1h1h', '-5m', '0m', '1.5h', '1h 30m', '1h30mx'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('formats back to the shortest form', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(86_400_000 + 1_000)).toBe('1d1s');
  });

  it('round-trips every whole-second duration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (seconds) => {
        expect(parseDuration(formatDuration(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
  });
});
