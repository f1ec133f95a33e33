// The request context the jobs resolvers receive: lib's context with this subgraph's loaders.
// One named type, so the generated resolver types (codegen.ts contextType) and the code agree.
import type { Context } from '@eventzr/lib/context';
import type { JobsLoaders } from './loaders.ts';

export type JobsContext = Context<JobsLoaders>;
