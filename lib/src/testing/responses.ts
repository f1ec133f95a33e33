// Reading GraphQL responses in assertions, and counting the SQL statements an operation costs.
import type { Database } from '../db.ts';
import type { GraphQLResponse } from './subgraph.ts';

/** The response's data, failing the test with the errors when there are any. */
export function dataOf<T = Record<string, unknown>>(res: Pick<GraphQLResponse, 'body'>): T {
  if (res.body.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(res.body.errors)}`);
  return res.body.data as T;
}

/** The codes of the response's errors. */
export const codesOf = (res: Pick<GraphQLResponse, 'body'>): unknown[] =>
  (res.body.errors ?? []).map((e) => e.extensions?.code);

/** The first error of a response, for assertions on code and message. */
export function firstError(res: Pick<GraphQLResponse, 'body'>) {
  const e = res.body.errors?.[0];
  return e ? { message: e.message, code: e.extensions?.code, extensions: e.extensions ?? {} } : undefined;
}

/** Runs `fn` and counts the application statements the databases ran meanwhile. */
export async function countStatements<T>(
  databases: Database | readonly Database[],
  fn: () => Promise<T>,
): Promise<{ result: T; statements: number }> {
  const list = Array.isArray(databases) ? databases : [databases as Database];
  const total = () => list.reduce((n, d) => n + d.stats.statements, 0);
  const before = total();
  const result = await fn();
  return { result, statements: total() - before };
}
