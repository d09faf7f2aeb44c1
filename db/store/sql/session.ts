/**
 * The one seam between the store's SQL and a driver. Statements are written once, with `?` placeholders, in
 * the subset of SQL that SQLite and PostgreSQL share (RETURNING, ON CONFLICT, partial indexes); each driver
 * adapts placeholders and values.
 */
export type SqlValue = string | number | boolean | null;

export type SqlRow = Record<string, unknown>;

export interface SqlSession {
  /** Which SQL the engine speaks, for the few statements the two write differently (bulk appends). */
  readonly dialect: 'sqlite' | 'postgres';
  /** Rows of a query (or of a write with RETURNING). */
  all(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /**
   * Rows of a query as arrays, in the order of its select list: no object (nor key) per row, for reads of many
   * rows such as a walk of the audit log.
   */
  tuples(sql: string, params?: readonly SqlValue[]): Promise<unknown[][]>;
  /** A write without RETURNING; the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}
