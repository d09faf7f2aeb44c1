/**
 * Every query of the store, written once for both engines over a SqlSession. Used inside a unit of work (the
 * session is the transaction's connection) and for reads outside one (the session is the pool or the shared
 * connection). Rows come back camel-cased and typed as the records in ../records.ts.
 */
import type { AuditRange, UnitOfWork } from '../port.ts';
import type {
  AuditRow,
  CardRef,
  DigestClaim,
  DigestExpect,
  DigestPatch,
  GrantChange,
  GrantExpect,
  GrantPatch,
  GrantRecord,
  NewGrant,
  NewRequest,
  NewReview,
  OutboxExpect,
  OutboxPatch,
  OutboxRecord,
  PersonIds,
  RequestPatch,
  RequestRecord,
  ReviewRecord,
  StoreStats,
} from '../records.ts';
import type { SqlRow, SqlSession, SqlValue } from './session.ts';
import type { RequestId } from '../../../src/domain/request-id.ts';

const LIVE = ['granting', 'active'] as const;
const HELD = ['granting', 'active', 'revoking'] as const;
/** Rows fetched per round trip when streaming the audit log. */
export const AUDIT_BATCH = 2_000;

const camelCache = new Map<string, string>();
function camel(column: string): string {
  let name = camelCache.get(column);
  if (name === undefined) {
    name = column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    camelCache.set(column, name);
  }
  return name;
}

function snake(field: string): string {
  if (!/^[a-z][A-Za-z]*$/.test(field)) throw new Error(`not a column: ${field}`);
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function camelRow(row: SqlRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in row) out[camel(key)] = row[key];
  return out;
}

const asRequest = (row: SqlRow): RequestRecord => {
  const r = camelRow(row);
  r.breakGlass = Boolean(r.breakGlass);
  r.autoApproved = Boolean(r.autoApproved);
  return r as unknown as RequestRecord;
};
const as = <T>(row: SqlRow): T => camelRow(row) as T;

const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value));
/** Ids the database assigned to requests (the store is where a number becomes a RequestId). */
const rid = (value: unknown): RequestId => num(value) as RequestId;
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : num(value));

/** Every column of an audit row, in one order for multi-row inserts (11 × 500 bind values stays under both engines' limits). */
const AUDIT_FIELDS = ['seq', 'at', 'actor', 'action', 'requestId', 'grantId', 'fromStatus', 'toStatus', 'details', 'prevHash', 'hash'] as const satisfies readonly (keyof AuditRow)[];
const AUDIT_ROWS_PER_STATEMENT = 500;
/** PostgreSQL bulk append: rows per JSON document (a few MB). */
const AUDIT_ROWS_PER_JSON_STATEMENT = 5_000;
const AUDIT_INSERT_COLUMNS = AUDIT_FIELDS.map(snake).join(', ');
/** The JSON keys are the record's (camelCase) field names; `json_to_recordset` needs each one's type. */
const AUDIT_JSON_TYPES = AUDIT_FIELDS.map((field) => `"${field}" ${field === 'seq' || field === 'at' ? 'bigint' : field === 'requestId' ? 'integer' : 'text'}`).join(', ');
const AUDIT_JSON_COLUMNS = AUDIT_FIELDS.map((field) => `r."${field}"`).join(', ');
const auditInsertSqlCache = new Map<number, string>();

/** `INSERT … VALUES (?, …), …` for `count` audit rows (built once per count). */
function auditInsertSql(count: number): string {
  let sql = auditInsertSqlCache.get(count);
  if (sql === undefined) {
    const tuple = `(${placeholders(AUDIT_FIELDS.length)})`;
    sql = `INSERT INTO audit_events (${AUDIT_INSERT_COLUMNS}) VALUES ${Array.from({ length: count }, () => tuple).join(', ')}`;
    auditInsertSqlCache.set(count, sql);
  }
  return sql;
}

function fillAuditParams(params: SqlValue[], rows: readonly AuditRow[], start: number, count: number): void {
  let i = 0;
  for (let k = start; k < start + count; k++) {
    const row = rows[k]!;
    params[i++] = row.seq;
    params[i++] = row.at;
    params[i++] = row.actor;
    params[i++] = row.action;
    params[i++] = row.requestId;
    params[i++] = row.grantId;
    params[i++] = row.fromStatus;
    params[i++] = row.toStatus;
    params[i++] = row.details;
    params[i++] = row.prevHash;
    params[i++] = row.hash;
  }
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/** `SET a = ?, b = ?` from a patch object (undefined fields are left alone). */
function setClause(patch: Record<string, SqlValue | undefined>): { sql: string; params: SqlValue[] } {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    parts.push(`${snake(field)} = ?`);
    params.push(value);
  }
  if (parts.length === 0) throw new Error('an update needs at least one field');
  return { sql: parts.join(', '), params };
}

function insertClause(values: Record<string, SqlValue | undefined>): { columns: string; marks: string; params: SqlValue[] } {
  const entries = Object.entries(values).filter(([, v]) => v !== undefined) as [string, SqlValue][];
  return { columns: entries.map(([k]) => snake(k)).join(', '), marks: placeholders(entries.length), params: entries.map(([, v]) => v) };
}

/** WHERE conditions shared by grant and outbox compare-and-sets. */
class Conditions {
  readonly parts: string[] = [];
  readonly params: SqlValue[] = [];
  add(sql: string, ...params: SqlValue[]): this {
    this.parts.push(sql);
    this.params.push(...params);
    return this;
  }
  status(value: string | readonly string[] | undefined): this {
    if (value === undefined) return this;
    if (typeof value === 'string') return this.add('status = ?', value);
    return this.add(`status IN (${placeholders(value.length)})`, ...value);
  }
  leaseOwner(owner: string | null | undefined): this {
    if (owner === undefined) return this;
    return owner === null ? this.add('lease_owner IS NULL') : this.add('lease_owner = ?', owner);
  }
  leaseFreeAt(at: number | undefined): this {
    return at === undefined ? this : this.add('(lease_until IS NULL OR lease_until < ?)', at);
  }
  get sql(): string {
    return this.parts.join(' AND ');
  }
}

/** Grant columns holding text; every other column a batched compare-and-set writes or compares is an integer. */
const GRANT_TEXT_FIELDS: ReadonlySet<string> = new Set(['id', 'status', 'lastError', 'leaseOwner', 'revokeReason', 'revokedBy', 'credentials']);
/**
 * Rows of one batched statement (grant compare-and-sets, kv reads), padded up to the next of these sizes with
 * rows that match nothing (a NULL id or key), so a few prepared statements serve every batch size instead of
 * one per size.
 */
const GRANT_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256] as const;
const MAX_GRANT_BATCH = 256;

/**
 * The shape of a grant compare-and-set (which columns it writes, which conditions it checks): changes of one
 * shape share a statement, `UPDATE grants … FROM (VALUES …)`, one row of values per change. `key` names the
 * shape; `values` lists a change's bind values in the order of the VALUES row.
 */
interface GrantShape {
  key: string;
  fields: string[];
  statusCount: number;
  leaseOwner: 'none' | 'null' | 'value';
  leaseFreeAt: boolean;
  dueBy: boolean;
  expiresAt: boolean;
  notReminded: boolean;
}

function grantShapeOf(change: GrantChange): GrantShape {
  const { expect, patch } = change;
  const fields = Object.keys(patch)
    .filter((field) => (patch as Record<string, unknown>)[field] !== undefined)
    .sort();
  if (fields.length === 0) throw new Error('an update needs at least one field');
  const status = expect.status;
  const shape: Omit<GrantShape, 'key'> = {
    fields,
    statusCount: status === undefined ? 0 : typeof status === 'string' ? 1 : status.length,
    leaseOwner: expect.leaseOwner === undefined ? 'none' : expect.leaseOwner === null ? 'null' : 'value',
    leaseFreeAt: expect.leaseFreeAt !== undefined,
    dueBy: expect.dueBy !== undefined,
    expiresAt: expect.expiresAt !== undefined,
    notReminded: expect.notReminded === true,
  };
  return { ...shape, key: JSON.stringify(shape) };
}

function grantShapeValues(shape: GrantShape, change: GrantChange): SqlValue[] {
  const { expect, patch } = change;
  const values: SqlValue[] = [change.id];
  for (const field of shape.fields) values.push((patch as Record<string, SqlValue>)[field]!);
  if (expect.status !== undefined) values.push(...(typeof expect.status === 'string' ? [expect.status] : expect.status));
  if (shape.leaseOwner === 'value') values.push(expect.leaseOwner!);
  if (shape.leaseFreeAt) values.push(expect.leaseFreeAt!);
  if (shape.dueBy) values.push(expect.dueBy!);
  if (shape.expiresAt) values.push(expect.expiresAt!);
  return values;
}

const grantBatchSqlCache = new Map<string, string>();

/** The statement for `rows` changes of one shape (cached per shape, size and dialect). */
function grantBatchSql(shape: GrantShape, rows: number, dialect: SqlSession['dialect']): string {
  const cacheKey = `${dialect}:${rows}:${shape.key}`;
  let sql = grantBatchSqlCache.get(cacheKey);
  if (sql !== undefined) return sql;
  // The columns of the VALUES row, with their types: PostgreSQL must know them (a NULL or a parameter alone has none).
  const columns: { field: string }[] = [{ field: 'id' }, ...shape.fields.map((field) => ({ field }))];
  for (let k = 0; k < shape.statusCount; k++) columns.push({ field: 'status' });
  if (shape.leaseOwner === 'value') columns.push({ field: 'leaseOwner' });
  if (shape.leaseFreeAt) columns.push({ field: 'leaseUntil' });
  if (shape.dueBy) columns.push({ field: 'nextAttemptAt' });
  if (shape.expiresAt) columns.push({ field: 'expiresAt' });
  const tuple = `(${columns.map(({ field }) => `CAST(? AS ${GRANT_TEXT_FIELDS.has(field) ? 'text' : 'bigint'})`).join(', ')})`;
  let next = 1;
  const col = (): string => `v.column${next++}`;
  const where = [`grants.id = ${col()}`];
  const set = shape.fields.map((field) => `${snake(field)} = ${col()}`);
  if (shape.statusCount > 0) where.push(`grants.status IN (${Array.from({ length: shape.statusCount }, col).join(', ')})`);
  if (shape.leaseOwner === 'null') where.push('grants.lease_owner IS NULL');
  if (shape.leaseOwner === 'value') where.push(`grants.lease_owner = ${col()}`);
  if (shape.leaseFreeAt) where.push(`(grants.lease_until IS NULL OR grants.lease_until < ${col()})`);
  if (shape.dueBy) where.push(`(grants.next_attempt_at IS NULL OR grants.next_attempt_at <= ${col()})`);
  if (shape.expiresAt) where.push(`grants.expires_at = ${col()}`);
  if (shape.notReminded) where.push('grants.reminded_at IS NULL');
  // SQLite's RETURNING may name only the updated table and returns just its columns; PostgreSQL's `*` would add v's.
  sql = `UPDATE grants SET ${set.join(', ')} FROM (VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}) AS v WHERE ${where.join(' AND ')} RETURNING ${dialect === 'postgres' ? 'grants.*' : '*'}`;
  grantBatchSqlCache.set(cacheKey, sql);
  return sql;
}

function personClause(person: PersonIds, prefix = ''): { sql: string; params: SqlValue[] } | null {
  const known: [string, string | null | undefined][] = [
    // Callers pass canonical (ASCII, lower-case) emails; lower-casing again is only a guard.
    ['requester_email', person.email?.toLowerCase()],
    ['requester_slack_id', person.slackId],
    ['requester_teams_id', person.teamsId],
  ];
  const present = known.filter((entry): entry is [string, string] => Boolean(entry[1]));
  if (present.length === 0) return null;
  return { sql: `(${present.map(([column]) => `${prefix}${column} = ?`).join(' OR ')})`, params: present.map(([, value]) => value) };
}

const AUDIT_COLUMNS = 'seq, at, actor, action, request_id, grant_id, from_status, to_status, details, prev_hash, hash';

/** An audit row from a tuple selected as AUDIT_COLUMNS (the audit log is read in bulk: no per-row key mapping). */
function auditRowOf(tuple: unknown[]): AuditRow {
  return {
    seq: num(tuple[0]),
    at: num(tuple[1]),
    actor: tuple[2] as string,
    action: tuple[3] as string,
    requestId: tuple[4] === null ? null : rid(tuple[4]),
    grantId: tuple[5] as string | null,
    fromStatus: tuple[6] as string | null,
    toStatus: tuple[7] as string | null,
    details: tuple[8] as string,
    prevHash: tuple[9] as string,
    hash: tuple[10] as string,
  };
}

export class SqlRepository implements UnitOfWork {
  constructor(private readonly db: SqlSession) {}

  private async one(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow | null> {
    return (await this.db.all(sql, params))[0] ?? null;
  }

  // ── Requests ────────────────────────────────────────────────────────────────────────────────────────────

  async getRequest(id: RequestId): Promise<RequestRecord | null> {
    const row = await this.one('SELECT * FROM requests WHERE id = ?', [id]);
    return row ? asRequest(row) : null;
  }

  async findPendingRequest(requesterKey: string, role: string): Promise<RequestId | null> {
    const row = await this.one("SELECT id FROM requests WHERE requester_key = ? AND role = ? AND kind = 'access' AND status = 'pending' LIMIT 1", [requesterKey, role]);
    return row ? rid(row.id) : null;
  }

  async findLiveGrantFor(requesterKey: string, role: string): Promise<{ requestId: RequestId; expiresAt: number } | null> {
    const row = await this.one(
      `SELECT g.request_id, g.expires_at FROM grants g JOIN requests r ON r.id = g.request_id
       WHERE r.requester_key = ? AND g.role = ? AND g.status IN ('granting', 'active') ORDER BY g.expires_at DESC LIMIT 1`,
      [requesterKey, role],
    );
    return row ? { requestId: rid(row.request_id), expiresAt: num(row.expires_at) } : null;
  }

  async findPendingExtension(grantId: string): Promise<RequestId | null> {
    const row = await this.one("SELECT id FROM requests WHERE extends_grant_id = ? AND status = 'pending' LIMIT 1", [grantId]);
    return row ? rid(row.id) : null;
  }

  async lapsedRequestIds(now: number, limit: number): Promise<RequestId[]> {
    const rows = await this.db.all("SELECT id FROM requests WHERE status = 'pending' AND lapses_at <= ? ORDER BY lapses_at LIMIT ?", [now, limit]);
    return rows.map((r) => rid(r.id));
  }

  async pendingRequests(): Promise<RequestRecord[]> {
    return (await this.db.all("SELECT * FROM requests WHERE status = 'pending' ORDER BY lapses_at, id")).map(asRequest);
  }

  async pendingRequestIdsOf(person: PersonIds): Promise<RequestId[]> {
    const match = personClause(person);
    if (!match) return [];
    const rows = await this.db.all(`SELECT id FROM requests WHERE ${match.sql} AND status = 'pending' ORDER BY id DESC`, match.params);
    return rows.map((r) => rid(r.id));
  }

  async liveGrantRequestIdsOf(person: PersonIds): Promise<RequestId[]> {
    const match = personClause(person, 'r.');
    if (!match) return [];
    const rows = await this.db.all(
      `SELECT g.request_id FROM grants g JOIN requests r ON r.id = g.request_id
       WHERE ${match.sql} AND g.status IN (${placeholders(HELD.length)}) ORDER BY g.expires_at, g.request_id`,
      [...match.params, ...HELD],
    );
    return rows.map((r) => rid(r.request_id));
  }

  async nextLapse(): Promise<number | null> {
    const row = await this.one("SELECT min(lapses_at) AS at FROM requests WHERE status = 'pending'");
    return numOrNull(row?.at);
  }

  async reviewsOf(requestId: RequestId): Promise<ReviewRecord[]> {
    return (await this.db.all('SELECT * FROM reviews WHERE request_id = ? ORDER BY id', [requestId])).map((r) => as<ReviewRecord>(r));
  }

  async insertRequest(request: NewRequest): Promise<RequestRecord> {
    const values = insertClause({
      extendsGrantId: null,
      decidedAt: null,
      decidedBy: null,
      decisionNote: null,
      ...request,
    });
    const row = await this.one(`INSERT INTO requests (${values.columns}) VALUES (${values.marks}) RETURNING *`, values.params);
    return asRequest(row!);
  }

  async updateRequest(id: RequestId, expect: { status: RequestRecord['status'] }, patch: RequestPatch): Promise<boolean> {
    const set = setClause(patch);
    const changed = await this.db.run(`UPDATE requests SET ${set.sql} WHERE id = ? AND status = ?`, [...set.params, id, expect.status]);
    return changed > 0;
  }

  async insertReview(review: NewReview): Promise<boolean> {
    const values = insertClause({ ...review });
    const changed = await this.db.run(`INSERT INTO reviews (${values.columns}) VALUES (${values.marks}) ON CONFLICT (request_id, reviewer_key) DO NOTHING`, values.params);
    return changed > 0;
  }

  // ── Grants ──────────────────────────────────────────────────────────────────────────────────────────────

  async getGrant(id: string): Promise<GrantRecord | null> {
    const row = await this.one('SELECT * FROM grants WHERE id = ?', [id]);
    return row ? as<GrantRecord>(row) : null;
  }

  async grantOfRequest(requestId: RequestId): Promise<GrantRecord | null> {
    const row = await this.one('SELECT * FROM grants WHERE request_id = ?', [requestId]);
    return row ? as<GrantRecord>(row) : null;
  }

  async grantsWithWorkDue(now: number, limit: number): Promise<string[]> {
    const rows = await this.db.all(
      `SELECT id FROM grants
       WHERE (status IN ('granting', 'revoking') OR (status = 'active' AND (applied_expires_at IS NULL OR applied_expires_at <> expires_at)))
         AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
         AND (lease_until IS NULL OR lease_until < ?)
       ORDER BY expires_at, id LIMIT ?`,
      [now, now, limit],
    );
    return rows.map((r) => String(r.id));
  }

  async expiredLiveGrants(now: number, limit: number): Promise<GrantRecord[]> {
    const rows = await this.db.all(`SELECT * FROM grants WHERE status IN (${placeholders(LIVE.length)}) AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`, [...LIVE, now, limit]);
    return rows.map((r) => as<GrantRecord>(r));
  }

  async grantsNeedingReminder(now: number, leadMs: number, minLengthMs: number, limit: number): Promise<GrantRecord[]> {
    const rows = await this.db.all(
      `SELECT * FROM grants
       WHERE status = 'active' AND reminded_at IS NULL AND expires_at > ? AND expires_at <= ? AND expires_at - starts_at >= ?
       ORDER BY expires_at, id LIMIT ?`,
      [now, now + leadMs, minLengthMs, limit],
    );
    return rows.map((r) => as<GrantRecord>(r));
  }

  async nextExpiry(): Promise<number | null> {
    const row = await this.one(`SELECT min(expires_at) AS at FROM grants WHERE status IN (${placeholders(LIVE.length)})`, LIVE);
    return numOrNull(row?.at);
  }

  async liveGrantRequestIds(): Promise<RequestId[]> {
    const rows = await this.db.all(`SELECT request_id FROM grants WHERE status IN (${placeholders(HELD.length)}) ORDER BY expires_at, request_id`, HELD);
    return rows.map((r) => rid(r.request_id));
  }

  async liveGrants(): Promise<GrantRecord[]> {
    const rows = await this.db.all(`SELECT * FROM grants WHERE status IN (${placeholders(HELD.length)}) ORDER BY expires_at, request_id`, HELD);
    return rows.map((r) => as<GrantRecord>(r));
  }

  async activeGrantsOn(resource: string, now: number): Promise<GrantRecord[]> {
    const rows = await this.db.all("SELECT * FROM grants WHERE resource = ? AND status = 'active' AND expires_at > ? ORDER BY expires_at, id", [resource, now]);
    return rows.map((r) => as<GrantRecord>(r));
  }

  async countOverdueRevokes(cutoff: number): Promise<number> {
    const row = await this.one(
      `SELECT count(*) AS n FROM grants
       WHERE (status IN (${placeholders(HELD.length)}) AND expires_at < ?) OR (status = 'revoking' AND revoke_requested_at < ?)`,
      [...HELD, cutoff, cutoff],
    );
    return num(row?.n ?? 0);
  }

  async insertGrant(grant: NewGrant): Promise<void> {
    const values = insertClause({ attempts: 0, ...grant });
    await this.db.run(`INSERT INTO grants (${values.columns}) VALUES (${values.marks})`, values.params);
  }

  async updateGrant(id: string, expect: GrantExpect, patch: GrantPatch): Promise<GrantRecord | null> {
    const set = setClause(patch);
    const where = new Conditions().add('id = ?', id).status(expect.status).leaseOwner(expect.leaseOwner).leaseFreeAt(expect.leaseFreeAt);
    if (expect.dueBy !== undefined) where.add('(next_attempt_at IS NULL OR next_attempt_at <= ?)', expect.dueBy);
    if (expect.expiresAt !== undefined) where.add('expires_at = ?', expect.expiresAt);
    if (expect.notReminded) where.add('reminded_at IS NULL');
    const row = await this.one(`UPDATE grants SET ${set.sql} WHERE ${where.sql} RETURNING *`, [...set.params, ...where.params]);
    return row ? as<GrantRecord>(row) : null;
  }

  async updateGrants(changes: readonly GrantChange[]): Promise<(GrantRecord | null)[]> {
    const out: (GrantRecord | null)[] = new Array<GrantRecord | null>(changes.length).fill(null);
    // Runs of consecutive changes of one shape, each naming a grant at most once: a statement's changes then
    // touch distinct rows and see only what the runs before them wrote, as one-by-one compare-and-sets would.
    for (let start = 0; start < changes.length; ) {
      const shape = grantShapeOf(changes[start]!);
      const ids = new Set<string>([changes[start]!.id]);
      let end = start + 1;
      while (end < changes.length && end - start < MAX_GRANT_BATCH && !ids.has(changes[end]!.id) && grantShapeOf(changes[end]!).key === shape.key) ids.add(changes[end++]!.id);
      if (end - start === 1) {
        const only = changes[start]!;
        out[start] = await this.updateGrant(only.id, only.expect, only.patch);
      } else {
        const size = GRANT_BATCH_SIZES.find((n) => n >= end - start)!;
        const params: SqlValue[] = [];
        for (let k = start; k < end; k++) params.push(...grantShapeValues(shape, changes[k]!));
        const width = params.length / (end - start);
        for (let k = end - start; k < size; k++) for (let c = 0; c < width; c++) params.push(null);
        const byId = new Map<string, GrantRecord>();
        for (const row of await this.db.all(grantBatchSql(shape, size, this.db.dialect), params)) {
          const record = as<GrantRecord>(row);
          byId.set(record.id, record);
        }
        for (let k = start; k < end; k++) out[k] = byId.get(changes[k]!.id) ?? null;
      }
      start = end;
    }
    return out;
  }

  async releaseLeasesOf(owner: string): Promise<number> {
    const grants = await this.db.run('UPDATE grants SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?', [owner]);
    const notices = await this.db.run("UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND status = 'pending'", [owner]);
    return grants + notices;
  }

  // ── Audit ───────────────────────────────────────────────────────────────────────────────────────────────

  async lastAuditRow(): Promise<Pick<AuditRow, 'seq' | 'hash'> | null> {
    const row = await this.one('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    return row ? { seq: num(row.seq), hash: String(row.hash) } : null;
  }

  async hasAuditEvent(match: { requestId: RequestId; grantId: string; action: string }): Promise<boolean> {
    const row = await this.one('SELECT seq FROM audit_events WHERE request_id = ? AND grant_id = ? AND action = ? LIMIT 1', [match.requestId, match.grantId, match.action]);
    return row !== null;
  }

  async *auditRows(range: AuditRange = {}): AsyncIterable<AuditRow> {
    const since = range.since ?? null;
    const until = range.until ?? null;
    if (since === null && until === null) {
      // The whole log: walk the primary key until a short batch (rows appended meanwhile are read too). The next
      // batch is asked for before this one is handed out, so the database reads while the caller works
      // (PostgreSQL: a round trip per batch hidden behind hashing or writing the rows).
      const batch = (after: number): Promise<unknown[][]> => {
        const rows = this.db.tuples(`SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`, [after, AUDIT_BATCH]);
        // A batch read ahead is abandoned when the caller stops early: its failure is then nobody's to report.
        rows.catch(() => undefined);
        return rows;
      };
      for (let pending = batch(0); ; ) {
        const rows = await pending;
        const full = rows.length === AUDIT_BATCH;
        if (full) pending = batch(num(rows[rows.length - 1]![0]));
        for (const tuple of rows) yield auditRowOf(tuple);
        if (!full) return;
      }
    }
    // Find the window's sequence bounds once through the time index, then walk the primary key in batches:
    // constant memory, no open cursor (other work interleaves), and no re-reading of the window per batch.
    // `seq + 0` keeps both planners on the time index: a bare min(seq) tempts them to walk the primary key
    // from both ends and filter on time, which reads half of a large log for a one-day window.
    const bounds = await this.one('SELECT min(seq + 0) AS lo, max(seq + 0) AS hi FROM audit_events WHERE at >= ? AND at < ?', [since ?? Number.MIN_SAFE_INTEGER, until ?? Number.MAX_SAFE_INTEGER]);
    if (bounds?.lo === null || bounds?.lo === undefined) return;
    const hi = num(bounds.hi);
    // Each batch is an exact key range, not "after N, LIMIT n, up to hi": without statistics (a freshly loaded
    // table) PostgreSQL would read every row up to `hi` and sort them for each batch. No read-ahead here: a
    // window's caller (the digest) interleaves reads of its own, and a second query in flight costs PostgreSQL a
    // second connection in a fresh process — more than the one or two round trips a day's window has.
    for (let after = num(bounds.lo) - 1; after < hi; after += AUDIT_BATCH) {
      const rows = await this.db.tuples(`SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq`, [after, Math.min(after + AUDIT_BATCH, hi)]);
      for (const tuple of rows) {
        const row = auditRowOf(tuple);
        if ((since !== null && row.at < since) || (until !== null && row.at >= until)) continue;
        yield row;
      }
    }
  }

  async requestHistory(requestId: RequestId, beforeSeq: number, beforeAt: number): Promise<AuditRow[]> {
    // `at + 0`: the time bound is a filter on the request's few rows. As an index condition it made PostgreSQL
    // (no statistics after a bulk load) intersect the request index with every row of the time index before
    // `beforeAt`, a cost that grew with the whole log.
    const rows = await this.db.tuples(`SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE request_id = ? AND seq < ? AND at + 0 < ? ORDER BY seq`, [requestId, beforeSeq, beforeAt]);
    return rows.map(auditRowOf);
  }

  async grantsLiveAt(at: number, createdSince: number): Promise<{ requestId: RequestId; grantId: string }[]> {
    // The literals match the partial indexes audit_grant_opened / audit_grant_closed (db/*/schema.ts), which is
    // what lets both planners use them; they are the events src/audit/events.ts names for a grant's start and end.
    const rows = await this.db.all(
      `SELECT c.request_id, c.grant_id FROM audit_events c
        WHERE c.action = 'grant.created' AND c.at >= ? AND c.at < ? AND c.request_id IS NOT NULL AND c.grant_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.grant_id = c.grant_id AND e.action IN ('grant.revoked', 'grant.failed') AND e.at < ?)
        ORDER BY c.seq`,
      [createdSince, at, at],
    );
    return rows.map((row) => ({ requestId: rid(row.request_id), grantId: String(row.grant_id) }));
  }

  async chainHeadBefore(until: number): Promise<Pick<AuditRow, 'seq' | 'hash' | 'at'> | null> {
    const row = await this.one('SELECT seq, hash, at FROM audit_events WHERE at < ? ORDER BY at DESC, seq DESC LIMIT 1', [until]);
    return row ? { seq: num(row.seq), hash: String(row.hash), at: num(row.at) } : null;
  }

  async insertAuditRow(row: AuditRow): Promise<void> {
    const values = insertClause({ ...row });
    await this.db.run(`INSERT INTO audit_events (${values.columns}) VALUES (${values.marks})`, values.params);
  }

  async insertAuditRows(rows: readonly AuditRow[]): Promise<void> {
    if (this.db.dialect === 'postgres') {
      // One parameter per statement: the rows as a JSON array (keys the server does not ask for are ignored),
      // unpacked by the server. Far less to encode and parse than a multi-row VALUES list (~3x less client CPU).
      for (let start = 0; start < rows.length; start += AUDIT_ROWS_PER_JSON_STATEMENT) {
        const json = JSON.stringify(rows.slice(start, start + AUDIT_ROWS_PER_JSON_STATEMENT));
        await this.db.run(`INSERT INTO audit_events (${AUDIT_INSERT_COLUMNS}) SELECT ${AUDIT_JSON_COLUMNS} FROM json_to_recordset(?::json) AS r(${AUDIT_JSON_TYPES})`, [json]);
      }
      return;
    }
    // SQLite: one prepared statement of a fixed number of rows, reused (its text and placeholders built once), and a
    // shorter one for the rest.
    const full = rows.length - (rows.length % AUDIT_ROWS_PER_STATEMENT);
    const params: SqlValue[] = new Array<SqlValue>(AUDIT_ROWS_PER_STATEMENT * AUDIT_FIELDS.length);
    for (let start = 0; start < full; start += AUDIT_ROWS_PER_STATEMENT) {
      fillAuditParams(params, rows, start, AUDIT_ROWS_PER_STATEMENT);
      await this.db.run(auditInsertSql(AUDIT_ROWS_PER_STATEMENT), params);
    }
    if (full < rows.length) {
      const rest = rows.length - full;
      const tail: SqlValue[] = new Array<SqlValue>(rest * AUDIT_FIELDS.length);
      fillAuditParams(tail, rows, full, rest);
      await this.db.run(auditInsertSql(rest), tail);
    }
  }

  // ── Outbox ──────────────────────────────────────────────────────────────────────────────────────────────

  async dueNoticeIds(platforms: readonly string[], now: number, limit: number): Promise<number[]> {
    if (platforms.length === 0) return [];
    const rows = await this.db.all(
      `SELECT id FROM outbox WHERE status = 'pending' AND platform IN (${placeholders(platforms.length)}) AND next_attempt_at <= ?
         AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?`,
      [...platforms, now, now, limit],
    );
    return rows.map((r) => num(r.id));
  }

  async enqueueNotice(notice: { platform: string; dedupeKey: string; notice: string; now: number }): Promise<boolean> {
    const changed = await this.db.run(
      "INSERT INTO outbox (platform, dedupe_key, notice, status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (platform, dedupe_key) DO NOTHING",
      [notice.platform, notice.dedupeKey, notice.notice, notice.now, notice.now],
    );
    return changed > 0;
  }

  async updateNotice(id: number, expect: OutboxExpect, patch: OutboxPatch): Promise<OutboxRecord | null> {
    const set = setClause(patch);
    const where = new Conditions().add('id = ?', id).status(expect.status).leaseOwner(expect.leaseOwner).leaseFreeAt(expect.leaseFreeAt);
    const row = await this.one(`UPDATE outbox SET ${set.sql} WHERE ${where.sql} RETURNING *`, [...set.params, ...where.params]);
    return row ? as<OutboxRecord>(row) : null;
  }

  // ── Digests ─────────────────────────────────────────────────────────────────────────────────────────────

  async digestClaim(period: string): Promise<DigestClaim | null> {
    const row = await this.one('SELECT * FROM digests WHERE period = ?', [period]);
    return row ? as<DigestClaim>(row) : null;
  }

  async insertDigestClaim(claim: Pick<DigestClaim, 'period' | 'leaseOwner' | 'leaseUntil' | 'createdAt'>): Promise<boolean> {
    const changed = await this.db.run(
      "INSERT INTO digests (period, status, lease_owner, lease_until, created_at) VALUES (?, 'posting', ?, ?, ?) ON CONFLICT (period) DO NOTHING",
      [claim.period, claim.leaseOwner, claim.leaseUntil, claim.createdAt],
    );
    return changed > 0;
  }

  async updateDigestClaim(period: string, expect: DigestExpect, patch: DigestPatch): Promise<boolean> {
    const set = setClause(patch);
    const where = new Conditions().add('period = ?', period).status(expect.status).leaseOwner(expect.leaseOwner).leaseFreeAt(expect.leaseFreeAt);
    return (await this.db.run(`UPDATE digests SET ${set.sql} WHERE ${where.sql}`, [...set.params, ...where.params])) > 0;
  }

  // ── Small durable state ─────────────────────────────────────────────────────────────────────────────────

  async kvGet(key: string): Promise<string | null> {
    const row = await this.one('SELECT value FROM kv WHERE key = ?', [key]);
    return row ? String(row.value) : null;
  }

  async kvGetMany(keys: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let start = 0; start < keys.length; start += MAX_GRANT_BATCH) {
      const chunk: SqlValue[] = keys.slice(start, start + MAX_GRANT_BATCH);
      // Padded with NULLs (never equal to a key) to a few sizes, as the batched grant statements are.
      const size = GRANT_BATCH_SIZES.find((n) => n >= chunk.length)!;
      while (chunk.length < size) chunk.push(null);
      for (const row of await this.db.all(`SELECT key, value FROM kv WHERE key IN (${placeholders(size)})`, chunk)) found.set(String(row.key), String(row.value));
    }
    return found;
  }

  async kvList(prefix: string): Promise<{ key: string; value: string; updatedAt: number }[]> {
    const rows = await this.db.all('SELECT key, value, updated_at FROM kv WHERE substr(key, 1, ?) = ? ORDER BY key', [prefix.length, prefix]);
    return rows.map((r) => ({ key: String(r.key), value: String(r.value), updatedAt: num(r.updated_at) }));
  }

  async kvPut(key: string, value: string, now: number): Promise<void> {
    await this.db.run('INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', [key, value, now]);
  }

  async kvInsertIfAbsent(key: string, value: string, now: number): Promise<boolean> {
    return (await this.db.run('INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING', [key, value, now])) > 0;
  }

  /** One statement either way: the row's own condition decides, on every replica. */
  async kvSetIf(key: string, expected: string | null, value: string, now: number): Promise<boolean> {
    if (expected === null) return this.kvInsertIfAbsent(key, value, now);
    return (await this.db.run('UPDATE kv SET value = ?, updated_at = ? WHERE key = ? AND value = ?', [value, now, key, expected])) > 0;
  }

  async kvDelete(key: string): Promise<void> {
    await this.db.run('DELETE FROM kv WHERE key = ?', [key]);
  }

  async kvPrune(prefix: string, before: number): Promise<number> {
    return this.db.run('DELETE FROM kv WHERE substr(key, 1, ?) = ? AND updated_at < ?', [prefix.length, prefix, before]);
  }

  async cardRef(platform: string, requestId: RequestId): Promise<CardRef | null> {
    const row = await this.one('SELECT channel, message_id FROM chat_messages WHERE platform = ? AND request_id = ?', [platform, requestId]);
    return row ? { channel: String(row.channel), messageId: String(row.message_id) } : null;
  }

  async rememberCard(platform: string, requestId: RequestId, card: CardRef, now: number): Promise<CardRef> {
    await this.db.run(
      'INSERT INTO chat_messages (platform, request_id, channel, message_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, request_id) DO NOTHING',
      [platform, requestId, card.channel, card.messageId, now],
    );
    return (await this.cardRef(platform, requestId)) ?? card;
  }

  async stats(): Promise<StoreStats> {
    const grantsByStatus: Record<string, number> = {};
    for (const row of await this.db.all('SELECT status, count(*) AS n FROM grants GROUP BY status')) grantsByStatus[String(row.status)] = num(row.n);
    const row = await this.one(
      `SELECT
         (SELECT count(*) FROM requests WHERE status = 'pending') AS pending_requests,
         (SELECT count(*) FROM outbox WHERE status = 'pending') AS pending_notices,
         (SELECT count(*) FROM outbox WHERE status = 'dead') AS dead_notices,
         (SELECT coalesce(max(seq), 0) FROM audit_events) AS audit_events`,
    );
    return {
      grantsByStatus,
      pendingRequests: num(row?.pending_requests ?? 0),
      pendingNotices: num(row?.pending_notices ?? 0),
      deadNotices: num(row?.dead_notices ?? 0),
      auditEvents: num(row?.audit_events ?? 0),
    };
  }
}
