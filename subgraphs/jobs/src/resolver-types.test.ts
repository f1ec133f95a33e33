// `npm run typecheck` catches a resolver that returns the wrong shape: a small resolver module,
// compiled with the repository's tsconfig options against the generated resolver types, fails at
// every line that gets the shape wrong, and compiles clean once those lines are put right.
//
// The module exists only in memory, at a path inside src/ (so its imports resolve as the real
// resolvers' do) but outside the files `tsc -p tsconfig.json` reads: a wrong fixture on disk
// would fail the typecheck itself.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(SRC, '../../..');

/** Each case: what the resolver returns or reads, wrong and right. */
const CASES = {
  // Query.job must return a Job row (or null): `{ id: 1 }` is neither.
  queryReturnsWrongShape: { wrong: '({ id: 1 })', right: 'loadJob(ctx, args.id)' },
  // User.id is an ID (string); attempts is a number.
  fieldOfWrongType: {
    wrong: "({ __typename: 'User', id: job.attempts })",
    right: "({ __typename: 'User', id: job.createdBy })",
  },
  // The parent is the drizzle row (the Job mapper): it has no `error` column.
  parentHasNoSuchProperty: { wrong: 'job.error', right: 'job.lastError' },
  // A payload's job is a whole row, not a fragment of one.
  payloadWithPartialJob: {
    wrong: "({ job: { id: 'x', status: 'cancelled' } })",
    right: '({ job: (await loadJob(ctx, args.input.id))! })',
  },
} as const;
type Variant = 'wrong' | 'right';

function fixture(variant: Variant): string {
  const v = (name: keyof typeof CASES) => `${CASES[name][variant]}, // case: ${name}`;
  return `
import type { JobResolvers, MutationResolvers, QueryResolvers } from './generated/resolvers-types.ts';
import { loadJob } from './loaders.ts';

export const Query: QueryResolvers = {
  job: (_p, args, ctx) => ${v('queryReturnsWrongShape')}
};

export const Job: JobResolvers = {
  createdBy: (job) => ${v('fieldOfWrongType')}
  lastError: (job) => ${v('parentHasNoSuchProperty')}
};

export const Mutation: MutationResolvers = {
  cancelJob: async (_p, args, ctx) => ${v('payloadWithPartialJob')}
};
`;
}

const fixturePath = (variant: Variant) => join(SRC, `__resolver-types-fixture-${variant}.ts`);

/** The line (1-based) of each case in a fixture's text. */
function caseLines(text: string): Map<number, string> {
  const lines = new Map<number, string>();
  text.split('\n').forEach((line, i) => {
    const m = / \/\/ case: (\w+)$/.exec(line);
    if (m) lines.set(i + 1, m[1]!);
  });
  return lines;
}

/** One program for both variants: the repository's compiler options, the fixtures served from memory. */
function compileFixtures(): Record<Variant, { text: string; diagnostics: ts.Diagnostic[] }> {
  const configPath = join(ROOT, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  const texts: Record<string, string> = {
    [fixturePath('wrong')]: fixture('wrong'),
    [fixturePath('right')]: fixture('right'),
  };
  const host = ts.createCompilerHost(parsed.options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => f in texts || fileExists.call(host, f);
  host.readFile = (f) => texts[f] ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) =>
    f in texts ? ts.createSourceFile(f, texts[f]!, lang, true) : getSourceFile.call(host, f, lang, onError, create);
  const program = ts.createProgram({ rootNames: Object.keys(texts), options: parsed.options, host });
  const result = (variant: Variant) => {
    const file = program.getSourceFile(fixturePath(variant));
    if (!file) throw new Error(`fixture ${variant} not in the program`);
    return {
      text: texts[fixturePath(variant)]!,
      diagnostics: [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)],
    };
  };
  return { wrong: result('wrong'), right: result('right') };
}

const lineOf = (d: ts.Diagnostic) => d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1;
const describeAll = (ds: ts.Diagnostic[]) =>
  ds.map((d) => `${lineOf(d)}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`).join('\n');

describe('generated resolver types', () => {
  let compiled: ReturnType<typeof compileFixtures>;
  beforeAll(() => {
    compiled = compileFixtures();
  }, 60_000);

  it('refuse every wrong shape, at its own line', () => {
    const { text, diagnostics } = compiled.wrong;
    const cases = caseLines(text);
    expect([...cases.values()].sort()).toEqual(Object.keys(CASES).sort());
    const failing = new Set(diagnostics.map(lineOf));
    for (const [line, name] of cases) expect(failing.has(line), `${name} (line ${line}) compiled`).toBe(true);
    // Nothing else in the module is wrong: each error belongs to a case.
    expect(
      diagnostics.filter((d) => !cases.has(lineOf(d))),
      describeAll(diagnostics),
    ).toEqual([]);
  });

  it('accept the same module with the shapes put right', () => {
    const { diagnostics } = compiled.right;
    expect(diagnostics, describeAll(diagnostics)).toEqual([]);
  });
});
