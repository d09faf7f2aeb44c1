/**
 * Running on the last good policy (issue 12, item 9): set at start when the policy file is invalid and the store
 * keeps a good one (src/main.ts), cleared by the first valid load (src/app/reload-policy.ts). Meanwhile the bot
 * keeps doing what it owes — revoking on time, expiring, delivering, reviewing what was already asked — but
 * files no new request or extension, /healthz says degraded, and the audit channel was told once.
 */
import { createHash } from 'node:crypto';
import { AccessError } from '../domain/errors.ts';
import type { AppContext } from './context.ts';
import { enqueueNotice } from './outbox.ts';

export interface PolicyFault {
  /** The policy file. */
  path: string;
  /** sha256 of the invalid file's bytes (null when it could not be read). */
  fileHash: string | null;
  /** Its problems, one line each. */
  problems: string[];
  /** When the bot started on the last good policy. */
  since: number;
}

export const INTAKE_CLOSED = 'The policy file is invalid; accessbot keeps revoking but takes no new requests until it is fixed.';

/** Refuse a new request (or extension) while the policy file is invalid. */
export function refuseWhilePolicyInvalid(ctx: Pick<AppContext, 'policyFault'>): void {
  if (ctx.policyFault) throw new AccessError('intake_closed', INTAKE_CLOSED);
}

const LINES_POSTED = 25;

/** Log it, and tell the audit channel once per broken file (whichever replica starts first). */
export async function announcePolicyFault(ctx: AppContext, fault: PolicyFault): Promise<void> {
  ctx.log.error({ policy: fault.path, hash: fault.fileHash, problems: fault.problems, lastGood: ctx.policy.hash }, 'the policy file is invalid: running on the last good policy; revoking goes on, new requests are refused');
  const text = [
    `${fault.path}${fault.fileHash ? ` (sha256 ${fault.fileHash.slice(0, 12)})` : ''} is invalid, so ${ctx.instanceId} started on the last good policy (sha256 ${ctx.policy.hash.slice(0, 12)}). accessbot keeps revoking what it granted but takes no new requests until the file is fixed.`,
    ...fault.problems.slice(0, LINES_POSTED).map((p) => `• ${p}`),
    ...(fault.problems.length > LINES_POSTED ? [`… and ${fault.problems.length - LINES_POSTED} more (run accessbot policy check)`] : []),
  ].join('\n');
  const broken = fault.fileHash ?? createHash('sha256').update(fault.problems.join('\n')).digest('hex');
  try {
    await ctx.store.tx((uow) => enqueueNotice(uow, ctx, { type: 'audit.alert', code: 'policy_rejected', text }, `alert:policy_invalid_start:${ctx.policy.hash}:${broken}`));
    ctx.afterCommit.noticesQueued();
  } catch (error) {
    ctx.log.error({ err: error instanceof Error ? error.message : String(error) }, 'could not queue the invalid-policy alert');
  }
}
