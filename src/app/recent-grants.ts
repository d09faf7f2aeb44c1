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

/** Where a holder's list of ended grants is kept. */
export function endedGrantsKey(requesterKey: string): string {
  return PREFIX + requesterKey;
}

/**
 * Inside the revoke's unit of work: these requests' grants ended, in this order; remember them for their holders.
 * The holder's key comes with each (the revoke read the request to build its target call); each holder's list
 * is read and written once however many of their grants ended. `known`: the lists read already
 * (`endedGrantsKey`; a key missing from it has no list yet).
 */
export async function rememberEndedGrants(uow: UnitOfWork, ended: readonly { requesterKey: string; requestId: RequestId }[], now: number, known?: ReadonlyMap<string, string>): Promise<void> {
  const byHolder = new Map<string, RequestId[]>();
  for (const { requesterKey, requestId } of ended) {
    const ids = byHolder.get(requesterKey) ?? [];
    ids.push(requestId);
    byHolder.set(requesterKey, ids);
  }
  for (const [holder, endedNow] of byHolder) {
    const key = endedGrantsKey(holder);
    let ids = readIds(known ? (known.get(key) ?? null) : await uow.kvGet(key));
    for (const requestId of endedNow) ids = [requestId, ...ids.filter((id) => id !== requestId)].slice(0, RECENT_ENDED);
    await uow.kvPut(key, JSON.stringify(ids), now);
  }
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
