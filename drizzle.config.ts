import { defineConfig } from 'drizzle-kit';

/** SQLite migrations (the embedded store). PostgreSQL's: drizzle.postgres.config.ts. */
export default defineConfig({
  dialect: 'sqlite',
  schema: './db/sqlite/schema.ts',
  out: './db/sqlite/migrations',
});
