/**
 * The one seam between the store's SQL and a driver. Statements are written once, with `?` placeholders, in
 * the subset of SQL that SQLite and PostgreSQL share (RETURNING, ON CONFLICT, partial indexes); each driver
 * adapts placeholders and values.
 */
export type SqlValue = string | number | boolean | null;

export type SqlRow = Record<string, unknown>;

export interface SqlSession {
  /** Rows of a query (or of a write with RETURNING). */
  all(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /** A write without RETURNING; the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}
