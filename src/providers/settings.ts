/** Small zod pieces shared by provider settings: durations written as text, credentials as a map of strings. */
import { z } from 'zod';
import { DURATION_EXAMPLES, parseDuration } from '../domain/duration.ts';

/**
 * A duration setting ("10s", "2m"). It stays text after parsing, so parsing twice gives the same result;
 * turn it into milliseconds with `durationMs`.
 */
export function durationSetting(defaultText: string, maxMs = 3_600_000) {
  return z
    .string()
    .default(defaultText)
    .superRefine((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === null) ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (${DURATION_EXAMPLES})` });
      else if (ms > maxMs) ctx.addIssue({ code: 'custom', message: `"${text}" is too long (at most ${maxMs / 1000}s)` });
    });
}

/** Milliseconds of a duration setting that already passed `durationSetting`. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new Error(`"${text}" is not a duration`);
  return ms;
}

/**
 * Credentials a target hands back: a flat object of strings. A key named `__proto__` is refused rather than
 * silently dropped (zod skips it), so whatever passes here survives sealing and opening unchanged.
 */
export const credentialsSchema = z
  .custom<unknown>((value) => !(typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')), {
    message: '"__proto__" is not a usable credential name',
  })
  .pipe(z.record(z.string(), z.string()));
