/**
 * What an ephemeral login did, read from the server's own statistics: its sessions from pg_stat_activity
 * (start, client address, application, database) and its statements with call counts from pg_stat_statements,
 * filtered by the login role's oid (`userid`). The statements need the extension: preloaded
 * (`shared_preload_libraries = 'pg_stat_statements'`), created in the resource's database
 * (`CREATE EXTENSION pg_stat_statements`), and the admin login a member of `pg_read_all_stats` (otherwise other
 * roles' statement texts read as "<insufficient privilege>"). When any of that is missing the report says so in
 * plain words, and the sessions are still recorded. Reading never fails a revoke: a failure is reported instead.
 */
import { loadPg } from './load-pg.ts';
import { emptyActivity, type ActivityReport, type ActivitySession } from '../../domain/activity.ts';
import { scrub } from './errors.ts';
import type { RoleContext } from './roles.ts';

/** Rows read at most; the stored report keeps the busiest few (src/domain/activity.ts). */
const STATEMENT_ROWS = 1000;

const SESSIONS = `SELECT to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
  host(client_addr) AS client, application_name AS application, datname AS database
  FROM pg_stat_activity WHERE usesysid = $1::oid AND backend_type = 'client backend' ORDER BY backend_start, pid`;

const EXTENSION_SCHEMA = `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'`;

const statementsFrom = (schema: string): string => `SELECT query, sum(calls)::float8 AS calls FROM ${loadPg().escapeIdentifier(schema)}.pg_stat_statements
  WHERE userid = $1::oid GROUP BY query ORDER BY sum(calls) DESC, query LIMIT ${STATEMENT_ROWS}`;

export const PG_STAT_STATEMENTS_HELP =
  "add pg_stat_statements to shared_preload_libraries (restart), run CREATE EXTENSION pg_stat_statements in the resource's database, and GRANT pg_read_all_stats to the admin login";

/** The login's sessions and statements; `oid` is the login role's. */
export async function readActivity(ctx: RoleContext, oid: string): Promise<ActivityReport> {
  const report = emptyActivity('postgres');
  const client = await ctx.pool.connect();
  try {
    report.sessions = (await client.query<{ started_at: string | null; client: string | null; application: string | null; database: string | null }>(SESSIONS, [oid])).rows.map(
      (row): ActivitySession => ({ startedAt: row.started_at, client: row.client, application: row.application || null, database: row.database }),
    );
    const schema = (await client.query<{ schema: string }>(EXTENSION_SCHEMA)).rows[0]?.schema;
    if (schema === undefined) {
      report.statementsUnavailable = `statements not recorded: pg_stat_statements is not installed in this database (${PG_STAT_STATEMENTS_HELP})`;
      return report;
    }
    try {
      const rows = (await client.query<{ query: string | null; calls: number }>(statementsFrom(schema), [oid])).rows;
      if (rows.some((row) => row.query === null || row.query === '<insufficient privilege>')) {
        report.statementsUnavailable = `statements not recorded: the admin login may not read other roles' statements (GRANT pg_read_all_stats TO the admin login)`;
        return report;
      }
      report.statements = rows.map((row) => ({ text: row.query ?? '', calls: row.calls }));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const why = code === '55000' ? 'pg_stat_statements is installed but not loaded' : scrub(error instanceof Error ? error.message : String(error), ctx.secrets);
      report.statementsUnavailable = `statements not recorded: ${why} (${PG_STAT_STATEMENTS_HELP})`;
    }
    return report;
  } finally {
    client.release();
  }
}

/** As readActivity, but a failure becomes the report's words instead of an error. */
export async function readActivitySafely(ctx: RoleContext, oid: string): Promise<ActivityReport> {
  try {
    return await readActivity(ctx, oid);
  } catch (error) {
    const report = emptyActivity('postgres');
    report.statementsUnavailable = `activity not recorded: ${scrub(error instanceof Error ? error.message : String(error), ctx.secrets)}`;
    ctx.warn({ resource: ctx.resource, err: report.statementsUnavailable }, 'postgres: reading a login’s activity failed');
    return report;
  }
}
