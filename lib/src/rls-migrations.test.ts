// Security migrations (lib/rls-migrations, bin/db-security): every registered subgraph's latest
// one states its declaration, and its migrations carry a database deployed at any earlier
// migration (a `.data/` from an earlier `npm start`, production) forward to exactly that
// declaration; a changed declaration gets a new migration through drizzle-kit's journal.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notes } from './__fixtures__/rls/schema.ts';
import { readRegistry } from './registry.ts';
import {
  latestSecurityMigration,
  loadSecurityProject,
  securityMigrationIsCurrent,
  securityMigrationSql,
  writeSecurityMigration,
  type SecurityProject,
} from './rls-migrations.ts';
import { declareSecurity, tenantTable } from './rls.ts';
import { assertCatalog, createTestDatabase } from './testing.ts';

const journalTags = (out: string): string[] =>
  (JSON.parse(readFileSync(join(out, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] }).entries.map(
    (e) => e.tag,
  );

describe.each(readRegistry().subgraphs)('subgraph $name', (entry) => {
  let project: SecurityProject;
  beforeAll(async () => {
    project = await loadSecurityProject(entry.dir);
  });

  it('has a security migration stating its declaration (else: npm run db:generate)', () => {
    expect(latestSecurityMigration(project.out)?.sql).toBe(securityMigrationSql(project));
  });

  // The states a deployed database can be in: `npm run db:generate` ends with the security
  // migration, so every release ends at one (or at the hand-written `_rls` migration that preceded
  // them). The empty database is where every other database test starts.
  const earlier = journalTags(join(entry.dir, 'drizzle'))
    .map((tag, i) => [tag, i + 1] as const)
    .slice(0, -1)
    .filter(([tag]) => /_(security|rls)$/.test(tag));
  it.each(earlier)('migrates a database last migrated at %s forward to its declaration', async (_tag, count) => {
    const database = await createTestDatabase(`${entry.name}_upgrade`, project.out, { upgradeFrom: count });
    try {
      await assertCatalog(database, project.declaration);
    } finally {
      await database.destroy();
    }
  });
});

describe('writeSecurityMigration', () => {
  const fixture = join(import.meta.dirname, '__fixtures__', 'rls');
  let dir: string;
  beforeAll(() => {
    // A copy of the fixture's migrations beside a config naming the fixture's schema: what is
    // written lands in the copy.
    dir = mkdtempSync(join(tmpdir(), 'eventzr-security-'));
    cpSync(join(fixture, 'drizzle'), join(dir, 'drizzle'), { recursive: true });
    writeFileSync(
      join(dir, 'drizzle.config.ts'),
      `export default ${JSON.stringify({ dialect: 'postgresql', schema: join(fixture, 'schema.ts'), out: './drizzle' })};\n`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes nothing while the latest security migration is current', async () => {
    const project = await loadSecurityProject(dir);
    expect(securityMigrationIsCurrent(project)).toBe(true);
    expect(writeSecurityMigration(project)).toBeUndefined();
    expect(journalTags(project.out)).toEqual(['0000_init', '0001_security']);
  });

  it('adds a custom migration through drizzle-kit when the declaration changed', async () => {
    const loaded = await loadSecurityProject(dir);
    const project = { ...loaded, declaration: declareSecurity([tenantTable(notes, { grant: ['select'] })]) };
    expect(securityMigrationIsCurrent(project)).toBe(false);
    expect(writeSecurityMigration(project)).toBe('0002_security');
    expect(journalTags(project.out)).toEqual(['0000_init', '0001_security', '0002_security']);
    expect(existsSync(join(project.out, 'meta', '0002_snapshot.json'))).toBe(true);
    expect(readFileSync(join(project.out, '0002_security.sql'), 'utf8')).toBe(securityMigrationSql(project));
    expect(securityMigrationIsCurrent(project)).toBe(true);
    const when = (
      JSON.parse(readFileSync(join(project.out, 'meta', '_journal.json'), 'utf8')) as {
        entries: { when: number }[];
      }
    ).entries.map((e) => e.when);
    expect(when[2]).toBeGreaterThan(when[1]!);
  });

  it('refuses a folder without drizzle.config.ts, or a schema without a declaration', async () => {
    await expect(loadSecurityProject(tmpdir())).rejects.toThrow(/has no drizzle.config.ts/);
    const bare = mkdtempSync(join(tmpdir(), 'eventzr-security-'));
    try {
      writeFileSync(join(bare, 'schema.ts'), 'export const nothing = 1;\n');
      writeFileSync(join(bare, 'drizzle.config.ts'), `export default { schema: './schema.ts', out: './drizzle' };\n`);
      await expect(loadSecurityProject(bare)).rejects.toThrow(/must export exactly one security declaration/);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
