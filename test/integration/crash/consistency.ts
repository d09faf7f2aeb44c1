/** The invariant every crash must preserve: the database and the target agree, and nothing was done twice. */
import { openDatabase } from '../../../db/client.ts';
import { grants } from '../../../db/schema.ts';

export interface GrantState {
  id: string;
  status: string;
  expiresAt: number;
  revokedAt: number | null;
}

export function readGrants(dbPath: string): GrantState[] {
  const db = openDatabase(dbPath, { migrate: false });
  try {
    return db.orm.select({ id: grants.id, status: grants.status, expiresAt: grants.expiresAt, revokedAt: grants.revokedAt }).from(grants).all();
  } finally {
    db.close();
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
