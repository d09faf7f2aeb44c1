/** The policy's `limits:` section (abuse limits on filing requests; rules in src/domain/rate-limit.ts). */
import { z } from 'zod';
import { parseDuration } from '../domain/duration.ts';
import { DEFAULT_LIMITS, type RequestLimits } from '../domain/rate-limit.ts';
import type { durationText as DurationText } from './policy-schema.ts';

const count = (what: string, fallback: number, max: number) =>
  z.number().int().min(1).max(max).optional().meta({ description: `${what} (default ${fallback})` });

/** Built from the policy schema's duration type (passed in: policy-schema.ts imports this file). */
export const limitsSchema = (durationText: typeof DurationText) =>
  z
    .strictObject({
      burst: count('Requests one person may file back to back', DEFAULT_LIMITS.burst, 1_000),
      refill_every: durationText.optional().meta({ description: 'One more request is allowed every this long (default 1m)' }),
      max_open_requests: count('Requests one person may have awaiting approval at once, across roles', DEFAULT_LIMITS.maxOpenRequests, 1_000),
      break_glass_burst: count('Break-glass activations one person may file back to back (their own bucket, same refill)', DEFAULT_LIMITS.breakGlassBurst, 100),
    })
    .meta({ description: 'Per-person limits on filing requests, shared by every replica through the database' });

export type RawLimits = z.output<ReturnType<typeof limitsSchema>>;

/** The limits in force: the file's values, defaults for the rest. */
export function resolveLimits(raw: RawLimits | undefined): RequestLimits {
  const refill = raw?.refill_every === undefined ? null : parseDuration(raw.refill_every);
  return {
    burst: raw?.burst ?? DEFAULT_LIMITS.burst,
    refillEveryMs: refill && refill > 0 ? refill : DEFAULT_LIMITS.refillEveryMs,
    maxOpenRequests: raw?.max_open_requests ?? DEFAULT_LIMITS.maxOpenRequests,
    breakGlassBurst: raw?.break_glass_burst ?? DEFAULT_LIMITS.breakGlassBurst,
  };
}
