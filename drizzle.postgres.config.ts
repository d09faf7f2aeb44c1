import { defineConfig } from 'drizzle-kit';

/** PostgreSQL migrations (DATABASE_URL). Generate with `npm run db:generate`. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/postgres/schema.ts',
  out: './db/postgres/migrations',
});
