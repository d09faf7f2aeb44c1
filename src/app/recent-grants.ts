/**
 * The holder's recently ended grants, for `/access` and App Home ("what happened during my last grants"): a
 * short list of request ids per holder, kept in the store and written in the revoke's own unit of work.
 */
import type { StoreReads, UnitOfWork } from '../../db/store/port.ts';
import { memberKeys, type Person } from '../domain/identity.ts';
import type { AppContext } from './context.ts';
import { loadRequestView, type RequestView } from './request-view.ts';
import { parseRequestIdValue, type RequestId } from '../domain/request-id.ts';

const PREFIX = 'ended-grants:';
/** Ended grants remembered per holder. */
export const RECENT_ENDED = 5;

function readIds(value: string | null): RequestId[] {
  if (value === null) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.map(parseRequestIdValue).filter((id): id is RequestId => id !== null) : [];
  } catch {
    return [];
  }
}

/** Inside the revoke's unit of work: the request's grant ended; remember it for its holder. */
export async function rememberEndedGrant(uow: UnitOfWork, requestId: RequestId, now: number): Promise<void> {
  const request = await uow.getRequest(requestId);
  if (!request) return;
  const key = PREFIX + request.requesterKey;
  const ids = [requestId, ...readIds(await uow.kvGet(key)).filter((id) => id !== requestId)].slice(0, RECENT_ENDED);
  await uow.kvPut(key, JSON.stringify(ids), now);
}

/** This person's recently ended grants, most recent end first. */
export async function endedGrantsOf(ctx: Pick<AppContext, 'store' | 'policy' | 'clock'>, person: Person, reads: StoreReads = ctx.store): Promise<RequestView[]> {
  const ids = new Set<RequestId>();
  for (const key of memberKeys(person)) for (const id of readIds(await reads.kvGet(PREFIX + key))) ids.add(id);
  const now = ctx.clock.now();
  const views: RequestView[] = [];
  for (const id of ids) {
    const view = await loadRequestView(reads, ctx.policy, id, now);
    if (view?.grant?.status === 'revoked') views.push(view);
  }
  return views.sort((a, b) => (b.grant!.revokedAt ?? 0) - (a.grant!.revokedAt ?? 0)).slice(0, RECENT_ENDED);
}
