// The request context the auth resolvers receive: lib's context with this subgraph's loaders.
// One named type, so the generated resolver types (codegen.ts contextType) and the code agree.
import type { Context } from '@eventzr/lib/context';
import type { AuthLoaders } from './loaders.ts';

export type AuthContext = Context<AuthLoaders>;
