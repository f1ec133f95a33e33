// Operation cost on the real supergraph (the jobs subgraph's @listSize / @cost, composed and loaded
// by @apollo/gateway as is): the registered Jobs operation costs what a hand computation says, its
// budgets follow the caller's plan tier, and a page too costly is refused before any subgraph runs
// SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOperations, startStack, type Stack } from './support/stack.ts';

const web = clientOperations('eventzr-web');
let stack: Stack;
let dev: string;
let acme: string;
beforeAll(async () => {
  stack = await startStack();
  dev = (await stack.login('dev@eventzr.com')).accessToken; // EventZR Demo: professional
  acme = (await stack.login('admin@acme.example')).accessToken; // Acme Events: starter
});
afterAll(() => stack?.stop());

type Cost = {
  requestedQueryCost: number;
  maximumAvailable: number;
  throttleStatus: Record<string, { maximumAvailable: number; currentlyAvailable: number }> | null;
};
const costOf = (res: { body: { extensions?: Record<string, unknown> } }) => res.body.extensions?.cost as Cost;

describe('operation cost on the real supergraph', () => {
  it('Jobs costs jobs 1 + totalCount 5 + first × (edge 1 + node 1 + createdBy 1) + pageInfo 1, by plan tier', async () => {
    const res = await stack.gql(web.get('Jobs')!, { first: 5 }, { token: dev });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const cost = costOf(res);
    expect(cost.requestedQueryCost).toBe(1 + 5 + 5 * 3 + 1);
    expect(cost.maximumAvailable).toBe(1000);
    expect(cost.throttleStatus?.tenant?.maximumAvailable).toBe(50_000);
    expect(cost.throttleStatus?.user?.maximumAvailable).toBe(10_000);
    // Without first: the connection's assumedSize, 20 (the default page size).
    expect(costOf(await stack.gql(web.get('Jobs')!, {}, { token: acme })).requestedQueryCost).toBe(1 + 5 + 20 * 3 + 1);
    const starter = costOf(await stack.gql(web.get('Me')!, {}, { token: acme }));
    expect(starter.requestedQueryCost).toBe(2);
    expect(starter.throttleStatus?.tenant?.maximumAvailable).toBe(10_000);
  });

  it('a page costing more than OPERATION_MAX_COST is 400 COST_LIMIT_EXCEEDED, and no subgraph runs a statement', async () => {
    const before = stack.statements();
    const res = await stack.gql(web.get('Jobs')!, { first: 400 }, { token: dev });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: 'COST_LIMIT_EXCEEDED',
      cost: { requested: 1 + 5 + 400 * 3 + 1, maximum: 1000 },
    });
    expect(stack.statements()).toBe(before);
  });
});
