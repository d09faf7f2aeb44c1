/**
 * Post the scheduled audit digest to the audit channel, exactly once per period.
 *
 * The period is claimed in the `digests` table (insert-or-ignore, or take over a claim whose lease ran out), so
 * two replicas firing the same cron tick, or a re-run, never post twice. The digest is built from the audit log
 * only; the chat notice is queued through the outbox (dedupe key `digest:<period>`), the claim is marked
 * posted and a `digest.posted` audit event records the period and the chain head, all in one transaction.
 *
 * Periods tile the timeline: a digest starts where the last posted one ended (kept under the kv key
 * `digest.last`), so a run missed while the bot was down is covered by the next one rather than lost.
 */
import type { UnitOfWork } from '../../db/store/port.ts';
import { appendAudit } from '../audit/chain.ts';
import { buildDigest, digestLookbackMs, type Digest } from '../audit/digest.ts';
import { digestTitle, formatDigest } from '../audit/digest-format.ts';
import { digestPeriod, type DigestPeriod } from '../audit/digest-period.ts';
import type { Platform } from '../domain/policy.ts';
import type { AppContext } from './context.ts';
import { enqueueNotice } from './outbox.ts';

/** How long a claim on a period holds before another instance may take it over (a crashed poster). */
export const DIGEST_LEASE_MS = 10 * 60_000;
const LAST_DIGEST_KEY = 'digest.last';

export type PostDigestResult =
  | { status: 'posted'; period: string; since: number; until: number; platforms: string[]; digest: Digest }
  /** Recorded as done, but no chat platform has an audit channel configured, so nothing was posted. */
  | { status: 'recorded'; period: string; since: number; until: number; platforms: []; digest: Digest }
  | { status: 'skipped'; period: string; why: 'already posted' | 'another instance is posting it' }
  | { status: 'not_scheduled' };

export interface PostDigestOptions {
  /** Overrides the policy's `digest.schedule` (the scheduler's `digestEvery`). */
  schedule?: string;
}

/** Call on each scheduled run (and safely at any other time: a period already posted is skipped). */
export async function postDigest(ctx: AppContext, now: number = ctx.clock.now(), options: PostDigestOptions = {}): Promise<PostDigestResult> {
  const schedule = options.schedule ?? ctx.policy.digest?.schedule;
  if (!schedule) return { status: 'not_scheduled' };
  const period = digestPeriod(now, schedule, ctx.policy.timezone);
  // A cron timer that fired a moment early: let the period end before reading it.
  if (period.until > now) await new Promise((resolve) => setTimeout(resolve, period.until - now));

  const claim = await claimPeriod(ctx, period.key);
  if (claim !== 'claimed') return { status: 'skipped', period: period.key, why: claim };

  let digest: Digest;
  let since: number;
  try {
    since = await periodStart(ctx, period);
    digest = await buildDigest(ctx.store, {
      since,
      until: period.until,
      timezone: ctx.policy.timezone,
      label: period.key,
      lookbackMs: digestLookbackMs(Object.values(ctx.policy.roles).map((role) => role.maxDurationMs)),
    });
  } catch (error) {
    await releaseClaim(ctx, period.key);
    throw error;
  }

  const platforms = auditPlatforms(ctx);
  const posted = await ctx.store.tx(async (uow) => {
    const at = ctx.clock.now();
    const done = await uow.updateDigestClaim(period.key, { status: 'posting', leaseOwner: ctx.instanceId }, { status: 'posted', postedAt: at, leaseOwner: null, leaseUntil: null });
    if (!done) return false;
    if (platforms.length > 0) {
      await enqueueNotice(uow, { platforms, clock: ctx.clock }, { type: 'digest', period: period.key, title: digestTitle(digest), markdown: formatDigest(digest, 'markdown') }, `digest:${period.key}`);
    }
    await appendAudit(uow, {
      at,
      actor: 'system',
      action: 'digest.posted',
      details: {
        period: period.key,
        since: new Date(since).toISOString(),
        until: new Date(period.until).toISOString(),
        events: digest.totals.events,
        head_seq: digest.head?.seq ?? null,
        head_hash: digest.head?.hash ?? null,
        posted_to: platforms,
      },
    });
    await rememberLast(uow, { period: period.key, since, until: period.until }, at);
    return true;
  });
  if (!posted) return { status: 'skipped', period: period.key, why: 'another instance is posting it' };
  if (platforms.length === 0) {
    ctx.log.info({ period: period.key }, 'digest recorded; no audit channel is configured for a running chat platform, so nothing was posted');
    return { status: 'recorded', period: period.key, since, until: period.until, platforms: [], digest };
  }
  ctx.afterCommit.noticesQueued();
  ctx.log.info({ period: period.key, platforms, events: digest.totals.events }, 'digest queued for the audit channel');
  return { status: 'posted', period: period.key, since, until: period.until, platforms, digest };
}

/** The platforms that get notices and have an audit channel in the policy. */
function auditPlatforms(ctx: AppContext): string[] {
  const audit = ctx.policy.channels.audit ?? {};
  return ctx.platforms.filter((platform) => Boolean(audit[platform as Platform]));
}

function claimPeriod(ctx: AppContext, key: string): Promise<'claimed' | 'already posted' | 'another instance is posting it'> {
  return ctx.store.tx(async (uow) => {
    const now = ctx.clock.now();
    const lease = { leaseOwner: ctx.instanceId, leaseUntil: now + DIGEST_LEASE_MS };
    const inserted = await uow.insertDigestClaim({ period: key, ...lease, createdAt: now });
    if (inserted) return 'claimed';
    const takenOver = await uow.updateDigestClaim(key, { status: 'posting', leaseFreeAt: now }, lease);
    if (takenOver) return 'claimed';
    const row = await uow.digestClaim(key);
    return row?.status === 'posted' ? 'already posted' : 'another instance is posting it';
  });
}

async function releaseClaim(ctx: AppContext, key: string): Promise<void> {
  await ctx.store.tx((uow) => uow.updateDigestClaim(key, { status: 'posting', leaseOwner: ctx.instanceId }, { leaseOwner: null, leaseUntil: null }));
}

interface LastDigest {
  period: string;
  since: number;
  until: number;
}

/**
 * Where this digest starts: where the last posted one ended (covering a missed run, or a changed schedule,
 * without gaps or overlaps), else the schedule's previous run.
 */
async function periodStart(ctx: AppContext, period: DigestPeriod): Promise<number> {
  const value = await ctx.store.kvGet(LAST_DIGEST_KEY);
  const last = value !== null ? readLast(value) : null;
  return last && last.until < period.until ? last.until : period.since;
}

function readLast(value: string): LastDigest | null {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && 'until' in parsed && typeof parsed.until === 'number' && 'period' in parsed && typeof parsed.period === 'string') {
      return { period: parsed.period, until: parsed.until, since: 'since' in parsed && typeof parsed.since === 'number' ? parsed.since : parsed.until };
    }
  } catch {
    // a damaged marker only means the scheduled start is used
  }
  return null;
}

async function rememberLast(uow: UnitOfWork, last: LastDigest, at: number): Promise<void> {
  await uow.kvPut(LAST_DIGEST_KEY, JSON.stringify(last), at);
}
