// drizzle-kit's configuration for the fixture (regenerate: npx drizzle-kit generate --config
// drizzle.config.ts, then npx tsx ../../../../lib/src/bin/db-security.ts .).
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
