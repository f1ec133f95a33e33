// Generated files are committed; the check runs GraphQL Code Generator in memory and compares.
import { relative, resolve } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { readIfExists } from '../compose.ts';
import type { Artifact } from './engine.ts';

/** Every file `config` generates, from `root`, with the committed version beside it. */
export async function codegenArtifacts(
  config: CodegenConfig,
  root: string,
  fix = 'npm run codegen',
): Promise<Artifact[]> {
  // generate()'s declared return type collapses to any (a FIXME in its typings).
  const outputs: { filename: string; content: string }[] = await generate(
    // Plugins load from this repository's node_modules whatever `root` is (tests use a temp dir).
    { ...config, cwd: root, silent: true, verbose: false, pluginLoader: (name: string) => import(name) },
    false,
  );
  return outputs
    .map((o) => {
      const path = resolve(root, o.filename);
      return { path: relative(root, path), fresh: o.content, committed: readIfExists(path), fix };
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}
