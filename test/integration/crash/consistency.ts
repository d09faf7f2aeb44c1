/** The invariant every crash must preserve: the database and the target agree, and nothing was done twice. */
import { openSqliteStore } from '../../../db/store/open.ts';
import type { StoreReads } from '../../../db/store/port.ts';

export interface GrantState {
  id: string;
  status: string;
  expiresAt: number;
  revokedAt: number | null;
}

/**
 * Every grant on record, in the order they were created. The port has no "all grants" read: each grant's
 * creation is in the audit log, and the per-status counts prove none was missed.
 */
export async function allGrants(store: StoreReads): Promise<GrantState[]> {
  const ids: string[] = [];
  for await (const row of store.auditRows()) if (row.action === 'grant.created' && row.grantId !== null && !ids.includes(row.grantId)) ids.push(row.grantId);
  const rows: GrantState[] = [];
  for (const id of ids) {
    const grant = await store.getGrant(id);
    if (!grant) throw new Error(`grant ${id} is in the audit log but not in the database`);
    rows.push({ id: grant.id, status: grant.status, expiresAt: grant.expiresAt, revokedAt: grant.revokedAt });
  }
  const counted = Object.values((await store.stats()).grantsByStatus).reduce((sum, n) => sum + n, 0);
  if (counted !== rows.length) throw new Error(`the database has ${counted} grants but the audit log records the creation of ${rows.length}`);
  return rows;
}

/** Every grant in the bot database a child process uses (opened without migrating, as an onlooker). */
export async function readGrants(dbPath: string): Promise<GrantState[]> {
  const store = openSqliteStore(dbPath, { migrate: false });
  try {
    return await allGrants(store);
  } finally {
    await store.close();
  }
}

/** Problems found (empty when consistent): in-between states left over, held-but-revoked, active-but-missing, orphans. */
export function inconsistencies(rows: readonly GrantState[], held: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const known = new Set(rows.map((r) => r.id));
  for (const row of rows) {
    if (row.status === 'active' && !held.has(row.id)) problems.push(`${row.id} is active but the target does not hold it`);
    if ((row.status === 'revoked' || row.status === 'failed') && held.has(row.id)) problems.push(`${row.id} is ${row.status} but the target still holds it`);
    if (row.status === 'granting' || row.status === 'revoking') problems.push(`${row.id} was left ${row.status}`);
  }
  for (const id of held) if (!known.has(id)) problems.push(`${id} is held at the target but unknown (orphan)`);
  return problems;
}
