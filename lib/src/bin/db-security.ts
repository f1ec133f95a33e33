// `tsx lib/src/bin/db-security.ts [<subgraph name> | <folder>] [--check]`: the second half of a
// subgraph's `npm run db:generate` (after drizzle-kit generate). When the `security` declaration
// in its schema module no longer matches its latest security migration, writes a new custom
// migration with lib/rls `securitySql`; `--check` only says whether one is due (exit 1 if so).
// Without an argument, the folder it runs in (what `npm run db:generate` in a subgraph does).
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { readRegistry, ROOT } from '../registry.ts';
import { loadSecurityProject, securityMigrationIsCurrent, writeSecurityMigration } from '../rls-migrations.ts';

const args = process.argv.slice(2);
const check = args.includes('--check');
const target = args.find((a) => a !== '--check');
try {
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--check');
  if (unknown.length > 0)
    throw new Error(`unknown option ${unknown.join(', ')} (usage: db-security [name|folder] [--check])`);
  const registered = target ? readRegistry().subgraphs.find((s) => s.name === target) : undefined;
  const dir = registered?.dir ?? resolve(target ?? '.');
  if (!existsSync(dir))
    throw new Error(
      `"${target}" is neither a registered subgraph (${readRegistry()
        .subgraphs.map((s) => s.name)
        .join(', ')}) nor a folder`,
    );
  const project = await loadSecurityProject(dir);
  const where = relative(ROOT, project.out);
  if (check) {
    const current = securityMigrationIsCurrent(project);
    console.log(
      current ? `${where}: security migration is current` : `${where}: security migration is due (npm run db:generate)`,
    );
    process.exitCode = current ? 0 : 1;
  } else {
    const tag = writeSecurityMigration(project);
    console.log(tag ? `${where}/${tag}.sql: security migration written` : `${where}: security migration is current`);
  }
} catch (err) {
  console.error(`[db-security] ${(err as Error).message}`);
  process.exitCode = 1;
}
