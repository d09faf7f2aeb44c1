/**
 * The digest's view of waiting (issue 14): the requests decided in the window that waited longest for a person
 * to decide, and those that lapsed without anyone reviewing them. Fed every audit row the digest builder
 * steps through (replayed history included, so a request filed before the window still has its start).
 */
import { isAuditAction, readDetails, type AuditAction } from './events.ts';
import type { AuditRow } from '../../db/store/records.ts';
import { requestRef, type RequestId } from '../domain/request-id.ts';

export interface DigestWait {
  ref: string;
  requester: string;
  role: string;
  createdAt: number;
  /** When it was decided (approved, denied) or lapsed. */
  at: number;
  waitedMs: number;
  outcome: 'approved' | 'denied' | 'expired';
  /** Reminder rounds sent, whether it escalated or was expedited. */
  reminders: number;
  escalated: boolean;
  expedited: boolean;
}

export interface DigestWaiting {
  longest: { items: DigestWait[]; total: number };
  lapsedUnreviewed: { items: DigestWait[]; total: number };
}

interface Open {
  requester: string;
  role: string;
  createdAt: number;
  reviewed: boolean;
  reminders: number;
  escalated: boolean;
  expedited: boolean;
}

type Row = Pick<AuditRow, 'at' | 'actor' | 'action' | 'requestId' | 'details'>;

const CLOSING: ReadonlySet<AuditAction> = new Set(['request.auto_approved', 'request.break_glass', 'request.cancelled', 'extension.void']);

export class WaitingDigest {
  private readonly open = new Map<RequestId, Open>();
  private readonly waits: DigestWait[] = [];
  private readonly lapsed: DigestWait[] = [];

  /** `counting`: the row is in the window (not replayed history). */
  observe(row: Row, counting: boolean): void {
    const id = row.requestId;
    if (id === null || !isAuditAction(row.action)) return;
    const action = row.action;
    if (action === 'request.created' || action === 'extension.requested') {
      this.open.set(id, { requester: row.actor, role: readDetails(action, row.details).role ?? '?', createdAt: row.at, reviewed: false, reminders: 0, escalated: false, expedited: false });
      return;
    }
    const entry = this.open.get(id);
    if (!entry) return;
    if (action === 'review.approved' || action === 'review.denied') entry.reviewed = true;
    else if (action === 'request.reminded') entry.reminders++;
    else if (action === 'request.escalated') entry.escalated = true;
    else if (action === 'request.expedited') entry.expedited = true;
    else if (action === 'request.approved' || action === 'request.denied' || action === 'request.expired') {
      this.open.delete(id);
      if (!counting) return;
      const { reviewed, ...rest } = entry;
      const wait: DigestWait = { ref: requestRef(id), ...rest, at: row.at, waitedMs: row.at - entry.createdAt, outcome: action === 'request.expired' ? 'expired' : action === 'request.approved' ? 'approved' : 'denied' };
      if (action !== 'request.expired') this.waits.push(wait);
      else if (!reviewed) this.lapsed.push(wait);
    } else if (CLOSING.has(action)) this.open.delete(id);
  }

  finish(maxItems: number): DigestWaiting {
    const longest = [...this.waits].sort((a, b) => b.waitedMs - a.waitedMs);
    const lapsed = [...this.lapsed].sort((a, b) => a.at - b.at);
    return { longest: { items: longest.slice(0, maxItems), total: longest.length }, lapsedUnreviewed: { items: lapsed.slice(0, maxItems), total: lapsed.length } };
  }
}
