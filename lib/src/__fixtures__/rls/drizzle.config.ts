// drizzle-kit's configuration for the lib/rls fixture (regenerate with `npx drizzle-kit generate`
// here, then `npx tsx ../../bin/db-security.ts .`).
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './schema.ts',
  out: './drizzle',
});
