// The check's report for people: what was checked, what changed against the base, which clients'
// operations each change touches, and why the check fails. The JSON form is the CheckReport itself.
import { LINT_RULES } from './lint.ts';
import type { CheckReport, SchemaChange } from './engine.ts';

const MARK = { error: '✖', warning: '!', ok: '✓' } as const;

function change(c: SchemaChange): string[] {
  // Safe changes (descriptions, additions) are listed one line each; the rest say why and who.
  if (c.level === 'safe') return [`  ${MARK.ok} SAFE      ${c.id}`];
  const lines = [
    `  ${MARK[c.verdict]} ${c.level.toUpperCase().padEnd(9)} ${c.id}`,
    `      ${c.message}`,
    `      → ${c.why}`,
  ];
  for (const client of new Set(c.affected.map((a) => a.client))) {
    const ops = c.affected.filter((a) => a.client === client);
    lines.push(`      used by ${client}: ${ops.map((o) => o.operation).join(', ')} (${ops[0]!.file})`);
  }
  return lines;
}

export function formatReport(r: CheckReport): string {
  const out: string[] = [];
  const section = (title: string) => out.push('', title);

  section(`Composition of ${r.subgraphs.join(', ')}: ${r.composition.ok ? 'ok' : 'FAILED'}`);
  for (const e of r.composition.errors) {
    out.push(`  ✖ ${e.code}: ${e.message}`);
    for (const l of e.locations)
      out.push(`      at ${l.file}:${l.line}:${l.column}${l.subgraph ? ` (${l.subgraph})` : ''}`);
  }
  for (const h of r.composition.hints) {
    out.push(`  hint ${h.code}: ${h.message}`);
    for (const l of h.locations) out.push(`      at ${l.file}:${l.line}:${l.column}`);
  }

  if (r.files.length > 0) {
    section('Committed files');
    for (const f of r.files)
      out.push(
        `  ${f.status === 'up to date' ? MARK.ok : MARK.error} ${f.path}: ${f.status}${f.status === 'up to date' ? '' : ` (run \`${f.fix}\`)`}`,
      );
  }

  const total = Object.values(r.operations.clients).reduce((a, b) => a + b, 0);
  section(
    `Registered operations: ${total} from ${Object.keys(r.operations.clients).length} client(s) (${Object.entries(
      r.operations.clients,
    )
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')})`,
  );
  if (r.operations.invalid.length === 0 && r.composition.ok)
    out.push(`  ${MARK.ok} all validate against the new API schema`);
  for (const op of r.operations.invalid) {
    out.push(`  ${MARK.error} ${op.client} ${op.operation} (${op.file}) no longer validates:`);
    for (const e of op.errors) out.push(`      ${e}`);
  }

  if (r.base === undefined) section('Changes: no base version to compare with (the first supergraph)');
  else {
    const count = (l: string) => r.changes.filter((c) => c.level === l).length;
    section(
      `Changes against ${r.base}: ${r.changes.length} (${count('breaking')} breaking, ${count('dangerous')} dangerous, ${count('safe')} safe)`,
    );
    const order = { error: 0, warning: 1, ok: 2 };
    const levels = { breaking: 0, dangerous: 1, safe: 2 };
    const sorted = [...r.changes].sort(
      (a, b) => order[a.verdict] - order[b.verdict] || levels[a.level] - levels[b.level],
    );
    for (const c of sorted) out.push(...change(c));
  }

  section(`Lint: ${r.lint.length === 0 ? 'clean' : `${r.lint.length} problem(s)`}`);
  for (const l of r.lint) {
    out.push(`  ${MARK.error} ${l.rule} ${l.coordinate} (${l.subgraph}:${l.line}:${l.column})`, `      ${l.message}`);
  }
  const rulesHit = [...new Set(r.lint.map((l) => l.rule))];
  for (const rule of rulesHit) out.push(`  ${rule}: ${LINT_RULES[rule]}`);

  if (r.warnings.length > 0) {
    section(`Warnings (${r.warnings.length})`);
    for (const w of r.warnings) out.push(`  ! [${w.check}] ${w.message}`);
  }
  section(
    r.ok
      ? `Schema check passed${r.warnings.length ? ` with ${r.warnings.length} warning(s)` : ''}.`
      : `Schema check FAILED: ${r.errors.length} error(s)`,
  );
  if (!r.ok)
    for (const e of r.errors) {
      const where = e.locations?.[0];
      out.push(`  ✖ [${e.check}] ${e.message}${where ? ` (${where.file}:${where.line}:${where.column})` : ''}`);
    }
  return out.join('\n').trimStart() + '\n';
}
