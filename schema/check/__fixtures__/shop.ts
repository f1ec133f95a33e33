// Two small fixture subgraphs (accounts, orders) with real shield trees and a registered client,
// lint-clean and composable, that the schema-check tests change one thing at a time.
import { hasPermission, isAuthenticated } from '../../../lib/src/shield.ts';
import { printAccess, composeSubgraphs, type SubgraphInput } from '../../compose.ts';
import { accessManifest, type ShieldTree } from '../../access.ts';
import type { CheckInput } from '../engine.ts';

const LINK = `extend schema
  @link(
    url: "https://specs.apollo.dev/federation/v2.5"
    import: ["@key", "@shareable", "@authenticated", "@requiresScopes"]
  )
`;

export const ACCOUNTS = `${LINK}
"A customer account."
type User @key(fields: "id") {
  "The account's id."
  id: ID!
  "Display name."
  name: String!
  "Email address."
  email: String! @authenticated
}

type Query {
  "The calling user."
  me: User @authenticated
}
`;

export const ORDERS = `${LINK}
"A customer account."
type User @key(fields: "id", resolvable: false) {
  "The account's id."
  id: ID!
}

"Where an order is."
enum OrderStatus {
  "Not paid yet."
  OPEN
  "Paid."
  PAID
}

"An order of the caller's tenant."
type Order @key(fields: "id") {
  "The order's id."
  id: ID!
  "Total in cents."
  total: Int! @requiresScopes(scopes: [["orders:read"]])
  "Where the order is."
  status: OrderStatus!
  "Who placed it."
  buyer: User @authenticated
}

"Where a page is in its list."
type PageInfo @shareable {
  "More after this page."
  hasNextPage: Boolean!
  "More before this page."
  hasPreviousPage: Boolean!
  "First cursor of the page."
  startCursor: String
  "Last cursor of the page."
  endCursor: String
}

"A page of orders."
type OrderConnection {
  "The orders with their cursors."
  edges: [OrderEdge!]!
  "The orders."
  nodes: [Order!]!
  "Where the page is."
  pageInfo: PageInfo!
  "How many orders the list holds."
  totalCount: Int!
}

"An order and its cursor."
type OrderEdge {
  "Its position."
  cursor: String!
  "The order."
  node: Order!
}

type Query {
  "The caller's orders, newest first."
  orders(first: Int, after: String, last: Int, before: String, status: OrderStatus): OrderConnection!
    @requiresScopes(scopes: [["orders:read"]])
  "One order; null when there is none."
  order(id: ID!): Order @requiresScopes(scopes: [["orders:read"]])
}

"An order to place."
input PlaceOrderInput {
  "Total in cents."
  total: Int!
  "A note for the shop."
  note: String
}

"The placed order."
type PlaceOrderPayload {
  "The new order, OPEN."
  order: Order!
}

type Mutation {
  "Places an order."
  placeOrder(input: PlaceOrderInput!): PlaceOrderPayload! @requiresScopes(scopes: [["orders:create"]])
}
`;

export const TREES: Record<string, ShieldTree> = {
  accounts: {
    Query: { me: isAuthenticated },
    User: { email: isAuthenticated },
    entities: { User: isAuthenticated },
  },
  orders: {
    Query: { orders: hasPermission('orders:read'), order: hasPermission('orders:read') },
    Mutation: { placeOrder: hasPermission('orders:create') },
    Order: { total: hasPermission('orders:read'), buyer: isAuthenticated },
    entities: { Order: hasPermission('orders:read') },
  },
};

/** The fixture's role table: a viewer reads orders, a buyer also places them. */
export const ROLES: Record<string, string[]> = {
  viewer: ['orders:read'],
  buyer: ['orders:create', 'orders:read'],
};

export const SHOP_WEB = `# client: shop-web
query Orders($first: Int, $after: String) {
  orders(first: $first, after: $after) {
    edges {
      cursor
      node {
        id
        total
        status
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}

query Order($id: ID!) {
  order(id: $id) {
    id
    total
    buyer {
      id
      name
    }
  }
}

mutation PlaceOrder($total: Int!) {
  placeOrder(input: { total: $total }) {
    order {
      id
    }
  }
}
`;

export const subgraphs = (accounts = ACCOUNTS, orders = ORDERS): SubgraphInput[] => [
  { name: 'accounts', url: 'http://accounts/graphql', sdl: accounts, file: 'fixtures/accounts.graphql' },
  { name: 'orders', url: 'http://orders/graphql', sdl: orders, file: 'fixtures/orders.graphql' },
];

/** Everything composition writes for these subgraphs and trees (as committed after the change). */
export function composed(list: SubgraphInput[], trees: Record<string, ShieldTree> = TREES, roles = ROLES) {
  const c = composeSubgraphs(list);
  if (!c.supergraphSdl) throw new Error(`fixture does not compose: ${c.errors.map((e) => e.message).join('; ')}`);
  const access = printAccess(accessManifest(list, trees, roles));
  return { supergraph: c.supergraphSdl, api: c.apiSdl, access };
}

/**
 * A check of `changed` subgraphs against the unchanged fixture as base, with the committed files
 * up to date (so only what a test changes can fail).
 */
export function checkInput(
  changed: {
    accounts?: string;
    orders?: string;
    trees?: Record<string, ShieldTree>;
    roles?: Record<string, string[]>;
    approvals?: string;
  } = {},
): CheckInput {
  const list = subgraphs(changed.accounts, changed.orders);
  const trees = changed.trees ?? TREES;
  const roles = changed.roles ?? ROLES;
  const base = composed(subgraphs());
  let committed: CheckInput['committed'];
  try {
    committed = composed(list, trees, roles);
  } catch {
    committed = base; // the change does not compose: the check reports that first
  }
  return {
    subgraphs: list,
    trees,
    committed,
    base: { label: 'the fixture base', supergraph: base.supergraph, access: base.access },
    registry: [{ file: 'fixtures/operations/shop-web.graphql', source: SHOP_WEB }],
    ...(changed.approvals !== undefined ? { approvals: changed.approvals } : {}),
    roles,
  };
}

/** `sdl` with `from` replaced by `to`; throws when `from` is absent so a fixture edit cannot miss. */
export function edit(sdl: string, from: string, to: string): string {
  if (!sdl.includes(from)) throw new Error(`fixture edit: ${JSON.stringify(from)} not found`);
  return sdl.replace(from, to);
}
