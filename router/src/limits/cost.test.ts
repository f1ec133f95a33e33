// The cost of operations, computed from a composed supergraph's @cost / @listSize, against hand
// computations; and every registered contract operation under the default maximum.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ROOT } from '@eventzr/lib/registry';
import { routerConfig } from '../__fixtures__/fixtures.ts';
import {
  CostRuleError,
  costDirectiveNames,
  costModelOf,
  createCostCalculator,
  operationCost,
  type CostModel,
  type Variables,
} from './cost.ts';

const FED = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])`;

// Shop: a connection sized by first/last, a list with an assumed size, a list with nothing (the
// default size, 10), weights on a field, a type, a scalar, an argument and an input field.
const SHOP = `${FED}
scalar Money @cost(weight: 2)
type Query {
  products(first: Int, last: Int, after: String): ProductConnection!
    @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges", "nodes"], assumedSize: 20, requireOneSlicingArgument: false)
  strictProducts(first: Int, last: Int): ProductConnection!
    @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges", "nodes"])
  top(limit: Int = 3): [Product!]! @listSize(slicingArguments: ["limit"])
  featured: [Product!]! @listSize(assumedSize: 4)
  everything: [Product!]!
  search(term: String! @cost(weight: 5), filter: Filter): [Product!]! @listSize(assumedSize: 2)
  report: String @cost(weight: 50)
  node(id: ID!): Node
}
input Filter { tag: String @cost(weight: 3), minPrice: Int }
interface Node { id: ID! }
type ProductConnection { edges: [ProductEdge!]! nodes: [Product!]! totalCount: Int! @cost(weight: 5) }
type ProductEdge { cursor: String! node: Product! }
type Product implements Node @key(fields: "id") {
  id: ID!
  name: String!
  price: Money!
  vendor: Vendor!
  reviews(first: Int): [Review!]! @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false, assumedSize: 5)
}
type Vendor @cost(weight: 3) { id: ID! name: String! }
type Review { id: ID! stars: Int! }
input OrderInput { productId: ID!, quantity: Int!, note: String @cost(weight: 4) }
type Order { id: ID! product: Product! }
type Mutation {
  placeOrder(input: OrderInput!): Order!
  cancelOrder(id: ID!): Boolean!
}
`;

function shopModel(defaultListSize = 10): CostModel {
  const composed = composeServices([{ name: 'shop', url: 'http://shop.invalid/graphql', typeDefs: parse(SHOP) }]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return costModelOf(composed.supergraphSdl, { defaultListSize });
}
const model = shopModel();

function costOf(query: string, variables?: Variables, operationName?: string, m: CostModel = model): number {
  const document = parse(query);
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName)! : ops[0]!;
  return operationCost(m, document, op, variables);
}

describe('the supergraph cost model', () => {
  it('reads @cost and @listSize as composition writes them (cost link, @listSize imported)', () => {
    const composed = composeServices([{ name: 'shop', url: 'http://shop.invalid/graphql', typeDefs: parse(SHOP) }]);
    expect(composed.supergraphSdl).toContain('@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])');
    expect(costDirectiveNames(parse(composed.supergraphSdl!))).toEqual({ cost: 'cost', listSize: 'listSize' });
    expect(model.weights.get('Money')).toBe(2);
    expect(model.weights.get('Vendor')).toBe(3);
    expect(model.weights.get('Query.report')).toBe(50);
    expect(model.weights.get('Query.search(term:)')).toBe(5);
    expect(model.weights.get('Filter.tag')).toBe(3);
    expect(model.listSizes.get('Query.products')).toEqual({
      assumedSize: 20,
      slicingArguments: ['first', 'last'],
      sizedFields: ['edges', 'nodes'],
      requireOneSlicingArgument: false,
    });
    expect(model.listSizes.get('Query.strictProducts')?.requireOneSlicingArgument).toBe(true);
  });

  it('follows `as:` and import aliases of the cost link', () => {
    const doc =
      parse(`schema @link(url: "https://specs.apollo.dev/cost/v0.1", as: "price", import: [{ name: "@listSize", as: "@size" }]) { query: Query }
      type Query { a: [Int] @size(assumedSize: 7) b: Int @price(weight: 9) }`);
    expect(costDirectiveNames(doc)).toEqual({ cost: 'price', listSize: 'size' });
    const m = costModelOf(doc, { defaultListSize: 10 });
    expect(m.weights.get('Query.b')).toBe(9);
    expect(m.listSizes.get('Query.a')?.assumedSize).toBe(7);
  });

  it('without a cost link, only the default weights apply', () => {
    const m = costModelOf('type Query { a: [T] } type T { x: Int }', { defaultListSize: 10 });
    expect(m.weights.size).toBe(0);
    expect(costOf('{ a { x } }', undefined, undefined, m)).toBe(10);
  });
});

describe('operation cost (hand computations)', () => {
  it('objects cost 1, scalars and enums 0, a @cost on a scalar type or object type its weight', () => {
    // node: Node (1) = 1; __typename 0
    expect(costOf('{ node(id: "1") { id __typename } }')).toBe(1);
    // report: @cost 50 on a scalar field
    expect(costOf('{ report }')).toBe(50);
    // featured: 4 × (Product 1 + price Money 2 + vendor Vendor 3)
    expect(costOf('{ featured { id price vendor { name } } }')).toBe(4 * (1 + 2 + 3));
  });

  it('a connection: the slicing argument sizes its sizedFields (literal, variable, default, assumed)', () => {
    // products 1 + totalCount 5 + edges 7 × (edge 1 + node 1) + nodes 7 × 1
    const q = '{ products(first: 7) { totalCount edges { cursor node { id } } nodes { id } } }';
    expect(costOf(q)).toBe(1 + 5 + 7 * 2 + 7);
    const v = 'query ($n: Int) { products(last: $n) { edges { node { id } } } }';
    expect(costOf(v, { n: 50 })).toBe(1 + 50 * 2);
    // The variable absent (or null): assumedSize 20.
    expect(costOf(v, {})).toBe(1 + 20 * 2);
    expect(costOf(v, { n: null })).toBe(1 + 20 * 2);
    // The variable's default in the operation.
    expect(costOf('query ($n: Int = 3) { products(first: $n) { nodes { id } } }', {})).toBe(1 + 3);
    // A slicing argument's default in the schema: top(limit: Int = 3) → 3 × Product.
    expect(costOf('{ top { id } }')).toBe(3);
    expect(costOf('{ top(limit: 9) { id } }')).toBe(9);
  });

  it('nested lists multiply; a list nothing sizes takes the default list size', () => {
    // products(first: 10): 1 + nodes 10 × (Product 1 + reviews(first: 4) 4 × Review 1)
    expect(costOf('{ products(first: 10) { nodes { reviews(first: 4) { stars } } } }')).toBe(1 + 10 * (1 + 4));
    // reviews without first: assumedSize 5; everything: no @listSize → default 10
    expect(costOf('{ everything { reviews { id } } }')).toBe(10 * (1 + 5));
    expect(costOf('{ everything { id } }', undefined, undefined, shopModel(25))).toBe(25);
  });

  it('fragments (named and inline) count where they are spread; @skip/@include skip', () => {
    const q = `query ($skip: Boolean!) {
      products(first: 2) { ...Page }
      ... on Query { featured { ...P } }
      report @skip(if: $skip)
    }
    fragment Page on ProductConnection { edges { node { ...P } } }
    fragment P on Product { id vendor { id } }`;
    // products 1 + edges 2 × (1 + node (1 + vendor 3)) = 1 + 2 × 5 = 11; featured 4 × (1 + 3) = 16; report 50
    expect(costOf(q, { skip: false })).toBe(11 + 16 + 50);
    expect(costOf(q, { skip: true })).toBe(11 + 16);
    expect(costOf('{ report @include(if: false) }')).toBe(0);
  });

  it('arguments and input fields add their @cost', () => {
    // search 2 × Product 1 + term 5 + filter.tag 3 (minPrice has none)
    expect(costOf('{ search(term: "x", filter: { tag: "a", minPrice: 1 }) { id } }')).toBe(2 + 5 + 3);
    expect(costOf('query ($f: Filter) { search(term: "x", filter: $f) { id } }', { f: { minPrice: 2 } })).toBe(2 + 5);
    expect(costOf('query ($f: Filter) { search(term: "x", filter: $f) { id } }', { f: { tag: 'b' } })).toBe(2 + 5 + 3);
  });

  it('mutations add 10 per root field', () => {
    // placeOrder: 10 + Order 1 + product 1 (+ note 4 when given); cancelOrder: 10 + Boolean 0
    const q = `mutation ($note: String) {
      placeOrder(input: { productId: "1", quantity: 1, note: $note }) { id product { id } }
      cancelOrder(id: "2")
    }`;
    expect(costOf(q, {})).toBe(10 + 2 + 10);
    expect(costOf(q, { note: 'gift' })).toBe(10 + 2 + 4 + 10);
    expect(costOf('mutation { ... on Mutation { cancelOrder(id: "1") } __typename }')).toBe(10);
  });

  it('requireOneSlicingArgument refuses a field given none or both', () => {
    expect(costOf('{ strictProducts(first: 3) { nodes { id } } }')).toBe(1 + 3);
    expect(() => costOf('{ strictProducts { nodes { id } } }')).toThrow(CostRuleError);
    expect(() => costOf('{ strictProducts(first: 1, last: 2) { nodes { id } } }')).toThrow(/Exactly one/);
  });

  it('unknown fields, unknown fragments and fragment cycles cost nothing (validation refuses them later)', () => {
    expect(costOf('{ nope { id } featured { id ...Missing } }')).toBe(4);
    const cycle =
      '{ featured { ...A } } fragment A on Product { id ...B } fragment B on Product { vendor { id } ...A }';
    expect(costOf(cycle)).toBe(4 * (1 + 3));
  });

  it('a fragment bomb costs linear work: each fragment is costed once per use context', () => {
    const n = 40;
    const frags = Array.from(
      { length: n },
      (_, i) => `fragment F${i} on Product { ${i + 1 < n ? `...F${i + 1} ...F${i + 1}` : 'vendor { id }'} }`,
    ).join('\n');
    const doc = parse(`{ node(id: "1") { ... on Product { ...F0 } } } ${frags}`);
    const op = doc.definitions[0] as OperationDefinitionNode;
    // 2^39 spreads of F39, each 3: the cost is huge (refused by any maximum), computed at once.
    expect(operationCost(model, doc, op, {})).toBe(1 + 3 * 2 ** (n - 1));
  });
});

describe('the cost cache', () => {
  it('computes once per operation and values of the variables that matter', () => {
    const calc = createCostCalculator(model);
    const document = parse(
      'query ($n: Int, $term: String!) { products(first: $n) { nodes { id } } search(term: $term) { id } }',
    );
    const op = document.definitions[0] as OperationDefinitionNode;
    expect(calc.cost(document, op, { n: 5, term: 'a' })).toBe(1 + 5 + 2 + 5);
    // Only $n matters ($term's weight is the argument's, whatever its value): another term is a hit.
    expect(calc.cost(document, op, { n: 5, term: 'b' })).toBe(1 + 5 + 2 + 5);
    expect(calc.stats).toEqual({ computations: 1, hits: 1 });
    expect(calc.cost(document, op, { n: 6, term: 'b' })).toBe(1 + 6 + 2 + 5);
    expect(calc.stats).toEqual({ computations: 2, hits: 1 });
  });
});

describe('the registered contract operations', () => {
  it('each costs less than the default OPERATION_MAX_COST, with the largest page every slicing variable allows', async () => {
    const config = await routerConfig();
    const sdl = readFileSync(join(ROOT, 'schema', 'supergraph.graphql'), 'utf8');
    const real = costModelOf(sdl, { defaultListSize: config.COST_DEFAULT_LIST_SIZE });
    expect(real.listSizes.get('Query.jobs')?.sizedFields).toEqual(['edges', 'nodes']);
    const dir = join(ROOT, 'schema', 'operations');
    const costs: Record<string, number> = {};
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.graphql'))) {
      const document = parse(readFileSync(join(dir, file), 'utf8'));
      for (const op of document.definitions) {
        if (op.kind !== Kind.OPERATION_DEFINITION) continue;
        // MAX_PAGE_SIZE (lib/connection) for first/last, the worker's max lease of 100.
        const variables = { first: 100, last: 100, max: 100 };
        costs[op.name!.value] = operationCost(real, document, op, variables);
      }
    }
    expect(Object.keys(costs).length).toBeGreaterThan(10);
    for (const [name, cost] of Object.entries(costs)) expect(cost, name).toBeLessThanOrEqual(config.OPERATION_MAX_COST);
    // A hand computation on the real schema: Jobs at first: 100 =
    // jobs 1 + totalCount 5 + edges 100 × (edge 1 + node (Job 1 + createdBy User 1)) + pageInfo 1
    expect(costs.Jobs).toBe(1 + 5 + 100 * 3 + 1);
  });
});
