// The schema check on fixture subgraphs: each case changes one thing against the fixture base and
// shows the check failing (or passing, with or without a warning) for the right reason.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allow, and, hasPermission, isAuthenticated, isInternal } from '../../lib/src/shield.ts';
import {
  ACCOUNTS,
  ORDERS,
  ROLES,
  SHOP_WEB,
  TREES,
  checkInput,
  composed,
  edit,
  subgraphs,
} from './__fixtures__/shop.ts';
import { codegenArtifacts } from './codegen.ts';
import { runSchemaCheck, type CheckReport } from './engine.ts';
import { formatReport } from './report.ts';

const ids = (r: CheckReport, verdict?: string) =>
  r.changes.filter((c) => verdict === undefined || c.verdict === verdict).map((c) => c.id);
const checks = (r: CheckReport) => [...new Set(r.errors.map((e) => e.check))];

describe('schema check on fixture subgraphs', () => {
  it('passes cleanly when nothing changed', async () => {
    const r = await runSchemaCheck(checkInput());
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.changes).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.operations.clients).toEqual({ 'shop-web': 3 });
  });

  it('passes cleanly on an added optional field', async () => {
    const orders = edit(ORDERS, '  "Who placed it."', '  "Delivery note."\n  note: String\n  "Who placed it."');
    const r = await runSchemaCheck(checkInput({ orders }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.changes.map((c) => [c.id, c.level])).toEqual([
      ['FIELD_ADDED:Order.note', 'safe'],
      ['FIELD_DESCRIPTION_ADDED:Order.note', 'safe'],
    ]);
  });

  it('passes with a warning on a removed field that no registered operation uses', async () => {
    const accounts = edit(ACCOUNTS, '  "Email address."\n  email: String! @authenticated\n', '');
    const trees = { ...TREES, accounts: { Query: { me: isAuthenticated }, entities: { User: isAuthenticated } } };
    const r = await runSchemaCheck(checkInput({ accounts, trees }));
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    const removed = r.changes.find((c) => c.id === 'FIELD_REMOVED:User.email');
    expect(removed).toMatchObject({ level: 'breaking', verdict: 'warning', affected: [] });
    expect(r.warnings.map((w) => w.message)).toEqual([expect.stringContaining('FIELD_REMOVED:User.email')]);
    expect(formatReport(r)).toMatch(/Schema check passed with 1 warning/);
  });

  it('fails on a removed field that a registered operation selects, naming the client and operations', async () => {
    const orders = edit(ORDERS, '  "Total in cents."\n  total: Int! @requiresScopes(scopes: [["orders:read"]])\n', '');
    const trees = { ...TREES, orders: { ...TREES.orders!, Order: {} } };
    const r = await runSchemaCheck(checkInput({ orders, trees }));
    expect(r.ok).toBe(false);
    const removed = r.changes.find((c) => c.id === 'FIELD_REMOVED:Order.total')!;
    expect(removed.verdict).toBe('error');
    expect(removed.affected.map((a) => `${a.client} ${a.operation}`)).toEqual(['shop-web Orders', 'shop-web Order']);
    expect(r.operations.invalid.map((o) => o.operation)).toEqual(['Orders', 'Order']);
    expect(checks(r)).toEqual(expect.arrayContaining(['breaking-change', 'operations']));
    const text = formatReport(r);
    expect(text).toMatch(/FIELD_REMOVED:Order.total/);
    expect(text).toMatch(/used by shop-web: Orders, Order/);
  });

  it('fails on a changed argument type that a registered operation uses', async () => {
    const orders = edit(ORDERS, 'order(id: ID!)', 'order(id: Int!)');
    const r = await runSchemaCheck(checkInput({ orders }));
    expect(r.ok).toBe(false);
    const changed = r.changes.find((c) => c.id === 'FIELD_ARGUMENT_TYPE_CHANGED:Query.order.id')!;
    expect(changed).toMatchObject({ level: 'breaking', verdict: 'error' });
    expect(changed.affected.map((a) => a.operation)).toEqual(['Order']);
  });

  it('warns but passes on a changed argument type that no registered operation uses', async () => {
    const orders = edit(ORDERS, 'before: String, status: OrderStatus', 'before: String, status: [OrderStatus!]');
    const r = await runSchemaCheck(checkInput({ orders }));
    expect(ids(r, 'warning')).toEqual(['FIELD_ARGUMENT_TYPE_CHANGED:Query.orders.status']);
    expect(r.ok).toBe(true);
  });

  it('fails on a new required input field for operations that send the input type', async () => {
    const orders = edit(
      ORDERS,
      '  "A note for the shop."\n  note: String',
      '  "A note for the shop."\n  note: String!',
    );
    const r = await runSchemaCheck(checkInput({ orders }));
    expect(r.ok).toBe(false);
    expect(ids(r, 'error')).toEqual(['INPUT_FIELD_TYPE_CHANGED:PlaceOrderInput.note']);
  });

  it('lets a recorded approval through, and reports who approved it and why', async () => {
    const orders = edit(ORDERS, '  "Paid."\n  PAID\n', '');
    const refused = await runSchemaCheck(checkInput({ orders }));
    expect(ids(refused, 'error')).toEqual(['ENUM_VALUE_REMOVED:OrderStatus.PAID']);

    const approvals = `approvals:
  - change: ENUM_VALUE_REMOVED:OrderStatus.PAID
    reason: payments moved to the billing subgraph; shop-web 2.4 no longer reads PAID
    approvedBy: shop-web team
`;
    const r = await runSchemaCheck(checkInput({ orders, approvals }));
    expect(r.ok).toBe(true);
    const c = r.changes.find((x) => x.id === 'ENUM_VALUE_REMOVED:OrderStatus.PAID')!;
    expect(c.verdict).toBe('ok');
    expect(c.approval?.approvedBy).toBe('shop-web team');
    expect(formatReport(r)).toMatch(/approved by shop-web team: payments moved/);
  });

  it('refuses an approval without a reason, and flags one that matches no change', async () => {
    const noReason = await runSchemaCheck(
      checkInput({ approvals: 'approvals:\n  - change: FIELD_REMOVED:Order.total\n    approvedBy: someone\n' }),
    );
    expect(noReason.ok).toBe(false);
    expect(checks(noReason)).toEqual(['approvals']);

    const stale = await runSchemaCheck(
      checkInput({
        approvals:
          'approvals:\n  - change: FIELD_REMOVED:Order.total\n    reason: removed last quarter on purpose\n    approvedBy: someone\n',
      }),
    );
    expect(stale.ok).toBe(true);
    expect(stale.warnings.map((w) => w.check)).toEqual(['approvals']);
  });

  describe('authorization regressions fail even where a schema diff sees nothing breaking', () => {
    it('an access directive removed from a field (the router would let anyone through)', async () => {
      const orders = edit(
        ORDERS,
        'order(id: ID!): Order @requiresScopes(scopes: [["orders:read"]])',
        'order(id: ID!): Order',
      );
      const r = await runSchemaCheck(checkInput({ orders }));
      expect(r.ok).toBe(false);
      expect(r.changes.filter((c) => c.level === 'breaking' && c.layer === 'schema')).toEqual([]);
      expect(ids(r, 'error')).toEqual(['AUTHZ_DIRECTIVE_WEAKENED:Query.order']);
      expect(r.changes[0]!.message).toBe(
        'access of Query.order changed from @requiresScopes(scopes: [["orders:read"]]) to none',
      );
    });

    it('an access directive weakened by a new alternative scope list', async () => {
      const orders = edit(
        ORDERS,
        'order(id: ID!): Order @requiresScopes(scopes: [["orders:read"]])',
        'order(id: ID!): Order @requiresScopes(scopes: [["orders:read"], ["orders:peek"]])',
      );
      const r = await runSchemaCheck(checkInput({ orders }));
      expect(ids(r, 'error')).toEqual(['AUTHZ_DIRECTIVE_WEAKENED:Query.order']);
      expect(r.ok).toBe(false);
    });

    it('a stricter directive is only dangerous', async () => {
      const orders = edit(
        ORDERS,
        'order(id: ID!): Order @requiresScopes(scopes: [["orders:read"]])',
        'order(id: ID!): Order @requiresScopes(scopes: [["orders:read", "orders:admin"]])',
      );
      const trees = {
        ...TREES,
        orders: {
          ...TREES.orders!,
          Query: { ...TREES.orders!.Query, order: hasPermission('orders:read', 'orders:admin') },
        },
      };
      const r = await runSchemaCheck(checkInput({ orders, trees }));
      expect(r.ok).toBe(true);
      expect(ids(r, 'warning').sort()).toEqual([
        'AUTHZ_DIRECTIVE_TIGHTENED:Query.order',
        'AUTHZ_RULE_TIGHTENED:orders/Query.order',
      ]);
    });

    it('the same rule written in another order is no change', async () => {
      const rule = (order: 'ab' | 'ba') => {
        const [a, b] = [hasPermission('orders:read'), isAuthenticated];
        return order === 'ab' ? and(a, b) : and(b, a);
      };
      const trees = (order: 'ab' | 'ba') => ({
        ...TREES,
        orders: { ...TREES.orders!, Query: { ...TREES.orders!.Query, order: rule(order) } },
      });
      const before = checkInput({ trees: trees('ab') }).committed;
      const r = await runSchemaCheck({
        ...checkInput({ trees: trees('ba') }),
        base: { label: 'and(a, b)', supergraph: before.supergraph, access: before.access },
      });
      expect(r.changes.filter((c) => c.layer === 'subgraph')).toEqual([]);
    });

    it('a field that lost its shield rule', async () => {
      const trees = { ...TREES, orders: { ...TREES.orders!, Order: { buyer: isAuthenticated } } };
      const r = await runSchemaCheck(checkInput({ trees }));
      expect(r.ok).toBe(false);
      expect(ids(r, 'error')).toEqual(['AUTHZ_RULE_REMOVED:orders/Order.total']);
      expect(r.changes.filter((c) => c.layer === 'schema')).toEqual([]);
      expect(r.errors.map((e) => e.message)).toContain(
        'orders: Order.total: the SDL requires @requiresScopes(scopes: [["orders:read"]]) but the tree has no rule for it',
      );
    });

    it('a root field whose rule was replaced by a weaker one', async () => {
      const trees = {
        ...TREES,
        orders: { ...TREES.orders!, Query: { ...TREES.orders!.Query, order: isAuthenticated } },
      };
      const r = await runSchemaCheck(checkInput({ trees }));
      expect(ids(r, 'error')).toEqual(['AUTHZ_RULE_WEAKENED:orders/Query.order']);
    });

    it('a root field left out of the shield tree (denied by the fallback, and the layers disagree)', async () => {
      const trees = { ...TREES, orders: { ...TREES.orders!, Mutation: {} } };
      const r = await runSchemaCheck(checkInput({ trees }));
      expect(ids(r, 'error')).toEqual(['AUTHZ_RULE_REMOVED:orders/Mutation.placeOrder']);
      expect(r.errors.map((e) => e.message)).toContain('orders: Mutation.placeOrder: no rule in the permission tree');
    });
  });

  describe('authorization is declared once per field in both layers, entity references included', () => {
    const authzErrors = (r: CheckReport) => r.errors.filter((e) => e.check === 'authorization').map((e) => e.message);

    it('an @key type without an entity rule', async () => {
      const trees = { ...TREES, orders: { ...TREES.orders!, entities: {} } };
      const r = await runSchemaCheck(checkInput({ trees }));
      expect(r.ok).toBe(false);
      expect(authzErrors(r)).toContain(
        'orders: Order: a resolvable @key type without an entity rule (entities.Order): who may resolve a reference to it must be declared',
      );
      // And the reference lost its rule against the base.
      expect(ids(r, 'error')).toContain('AUTHZ_RULE_REMOVED:orders/Order.__resolveReference');
    });

    it('an entity rule weaker than the type-level directive it must guarantee', async () => {
      const orders = edit(ORDERS, 'type Order @key(fields: "id") {', 'type Order @key(fields: "id") @authenticated {');
      const trees = { ...TREES, orders: { ...TREES.orders!, entities: { Order: allow } } };
      const r = await runSchemaCheck(checkInput({ orders, trees }));
      expect(authzErrors(r)).toContain(
        'orders: entities.Order: the SDL requires @authenticated but it admits anonymous callers',
      );
    });

    it('a non-root field with @requiresScopes and no layer-2 rule, and a rule without a directive', async () => {
      const orders = edit(
        ORDERS,
        '  status: OrderStatus!',
        '  status: OrderStatus! @requiresScopes(scopes: [["orders:read"]])',
      );
      const r1 = await runSchemaCheck(checkInput({ orders }));
      expect(r1.ok).toBe(false);
      expect(authzErrors(r1)).toEqual([
        'orders: Order.status: the SDL requires @requiresScopes(scopes: [["orders:read"]]) but the tree has no rule for it',
      ]);
      const trees = {
        ...TREES,
        orders: { ...TREES.orders!, Order: { ...TREES.orders!.Order, status: isAuthenticated } },
      };
      const r2 = await runSchemaCheck(checkInput({ trees }));
      expect(r2.ok).toBe(false);
      expect(authzErrors(r2)).toEqual([
        'orders: Order.status: the tree guards it (isAuthenticated) but the SDL declares no access on it',
      ]);
    });

    it('a rule that does not guarantee what the directive requires (a permission, or users only)', async () => {
      const trees = {
        ...TREES,
        orders: { ...TREES.orders!, Order: { ...TREES.orders!.Order, total: isAuthenticated } },
      };
      const r = await runSchemaCheck(checkInput({ trees }));
      expect(authzErrors(r)).toContain(
        'orders: Order.total: the SDL requires @requiresScopes(scopes: [["orders:read"]]) but its rule isAuthenticated: a user passes it without orders:read',
      );
      const internal = { ...TREES, orders: { ...TREES.orders!, Order: { ...TREES.orders!.Order, buyer: isInternal } } };
      expect(authzErrors(await runSchemaCheck(checkInput({ trees: internal })))).toContain(
        'orders: Order.buyer: the SDL requires @authenticated but its rule isInternal: it admits internal callers, and @authenticated means a user token',
      );
    });

    it('a root field with a directive and no rule, or a rule but no directive (public in the SDL)', async () => {
      const orders = edit(
        ORDERS,
        'order(id: ID!): Order @requiresScopes(scopes: [["orders:read"]])',
        'order(id: ID!): Order',
      );
      const r = await runSchemaCheck(checkInput({ orders }));
      expect(authzErrors(r)).toContain(
        'orders: Query.order: no @authenticated/@requiresScopes in the SDL makes it public, but its rule is hasPermission(orders:read): declare the access in the SDL, or allow it',
      );
      const trees = {
        ...TREES,
        orders: { ...TREES.orders!, Query: { ...TREES.orders!.Query, order: undefined as never } },
      };
      expect(authzErrors(await runSchemaCheck(checkInput({ trees })))).toContain(
        'orders: Query.order: no rule in the permission tree',
      );
    });

    it('a field handing out references another subgraph resolves must declare what its entity rule needs', async () => {
      const orders = edit(ORDERS, '  buyer: User @authenticated', '  buyer: User');
      const trees = { ...TREES, orders: { ...TREES.orders!, Order: { total: TREES.orders!.Order!.total! } } };
      const r = await runSchemaCheck(checkInput({ orders, trees }));
      expect(authzErrors(r)).toContain(
        'orders Order.buyer: its User references are resolved by accounts for any user (entities.User: isAuthenticated), but the field requires nothing',
      );
      const strict = { ...TREES, accounts: { ...TREES.accounts!, entities: { User: hasPermission('orders:read') } } };
      expect(authzErrors(await runSchemaCheck(checkInput({ trees: strict })))).toEqual([
        'orders Order.buyer: its User references are resolved by accounts for user holding orders:read (entities.User: hasPermission(orders:read)), but the field requires @authenticated: declare @requiresScopes(scopes: [["orders:read"]]) on it',
      ]);
    });

    it('a grant added to a role is an authorization change that needs an approval', async () => {
      const roles = { ...ROLES, viewer: ['orders:create', 'orders:read'] };
      const r = await runSchemaCheck(checkInput({ roles }));
      expect(r.ok).toBe(false);
      expect(ids(r, 'error')).toEqual(['AUTHZ_GRANT_ADDED:viewer/orders:create']);
      const approved = await runSchemaCheck(
        checkInput({
          roles,
          approvals:
            'approvals:\n  - change: AUTHZ_GRANT_ADDED:viewer/orders:create\n    reason: viewers may place orders from now on\n    approvedBy: shop owners\n',
        }),
      );
      expect(approved.ok).toBe(true);
      // Withdrawing a grant may refuse callers allowed before: a warning.
      const fewer = await runSchemaCheck(checkInput({ roles: { ...ROLES, buyer: ['orders:read'] } }));
      expect(fewer.ok).toBe(true);
      expect(ids(fewer, 'warning')).toEqual(['AUTHZ_GRANT_REMOVED:buyer/orders:create']);
    });

    it('a permission that guards nothing must be used or removed', async () => {
      const roles = { ...ROLES, buyer: [...ROLES.buyer!, 'orders:refund'] };
      const r = await runSchemaCheck(checkInput({ roles }));
      expect(authzErrors(r)).toEqual([
        'permission orders:refund guards nothing (no rule or @requiresScopes uses it): use it or remove it from the role table (lib/src/permissions.ts)',
      ]);
    });

    it('a new root field without access directives is public: it needs an approval', async () => {
      const orders = edit(
        ORDERS,
        '  order(id: ID!): Order @requiresScopes(scopes: [["orders:read"]])',
        '  order(id: ID!): Order @requiresScopes(scopes: [["orders:read"]])\n  "Opening hours."\n  hours: String',
      );
      const trees = { ...TREES, orders: { ...TREES.orders!, Query: { ...TREES.orders!.Query, hours: allow } } };
      const r = await runSchemaCheck(checkInput({ orders, trees }));
      expect(r.ok).toBe(false);
      expect(ids(r, 'error')).toEqual(['AUTHZ_PUBLIC_FIELD_ADDED:Query.hours']);
    });
  });

  it('fails on a composition error, with the subgraph and its file:line:column', async () => {
    // Two subgraphs disagree on the type of a shared field.
    const orders = edit(
      ORDERS,
      '  "First cursor of the page."\n  startCursor: String',
      '  "First cursor of the page."\n  startCursor: Int',
    );
    const accounts = edit(
      ACCOUNTS,
      'type Query {',
      `"Where a page is in its list."
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

type Query {`,
    );
    const r = await runSchemaCheck(checkInput({ accounts, orders }));
    expect(r.ok).toBe(false);
    expect(r.composition.ok).toBe(false);
    const [error] = r.composition.errors;
    expect(error!.code).toBe('FIELD_TYPE_MISMATCH');
    const line = orders.split('\n').findIndex((l) => l.includes('startCursor: Int')) + 1;
    expect(error!.locations).toEqual(
      expect.arrayContaining([expect.objectContaining({ subgraph: 'orders', file: 'fixtures/orders.graphql', line })]),
    );
    expect(formatReport(r)).toContain(`at fixtures/orders.graphql:${line}:`);
  });

  it('reports a syntax error in a subgraph with its location', async () => {
    const r = await runSchemaCheck(checkInput({ orders: edit(ORDERS, 'type OrderEdge {', 'type OrderEdge {{') }));
    expect(r.composition.errors[0]).toMatchObject({
      code: 'GRAPHQL_PARSE_FAILED',
      locations: [{ subgraph: 'orders', file: 'fixtures/orders.graphql' }],
    });
    expect(r.ok).toBe(false);
  });

  it('fails on a stale committed supergraph, API schema or access manifest', async () => {
    const orders = edit(ORDERS, '  "Who placed it."', '  "Delivery note."\n  note: String\n  "Who placed it."');
    const input = checkInput({ orders });
    const before = composed(subgraphs());
    const r = await runSchemaCheck({ ...input, committed: { ...input.committed, supergraph: before.supergraph } });
    expect(r.ok).toBe(false);
    expect(r.files.find((f) => f.path === 'schema/supergraph.graphql')?.status).toBe('stale');
    expect(r.errors.map((e) => e.message)).toEqual([
      'schema/supergraph.graphql is stale: run `npm run schema:compose` and commit the result',
    ]);

    const noApi = await runSchemaCheck({ ...input, committed: { ...input.committed, api: undefined } });
    expect(noApi.files.find((f) => f.path === 'schema/api.graphql')?.status).toBe('missing');
    expect(noApi.ok).toBe(false);

    const trees = { ...TREES, accounts: { Query: { me: isAuthenticated }, entities: { User: isAuthenticated } } };
    const staleAccess = await runSchemaCheck({ ...checkInput({ trees }), committed: before });
    expect(staleAccess.files.find((f) => f.path === 'schema/access.json')?.status).toBe('stale');
  });

  describe('stale generated types', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-check-codegen-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const config = {
      overwrite: true,
      generates: {
        'generated/orders-resolvers.ts': {
          schema: 'orders.graphql',
          plugins: ['typescript', 'typescript-resolvers'],
          config: { federation: true, useTypeImports: true },
        },
      },
    };

    it('fails when the committed generated file no longer matches the subgraph SDL', async () => {
      mkdirSync(join(dir, 'generated'));
      writeFileSync(join(dir, 'orders.graphql'), ORDERS);
      const [first] = await codegenArtifacts(config, dir);
      writeFileSync(join(dir, first!.path), first!.fresh);
      const upToDate = await runSchemaCheck({ ...checkInput(), generated: await codegenArtifacts(config, dir) });
      expect(upToDate.ok).toBe(true);
      expect(upToDate.files.find((f) => f.path === 'generated/orders-resolvers.ts')?.status).toBe('up to date');

      // The SDL gains a field; the committed types do not.
      const orders = edit(ORDERS, '  "Who placed it."', '  "Delivery note."\n  note: String\n  "Who placed it."');
      writeFileSync(join(dir, 'orders.graphql'), orders);
      const r = await runSchemaCheck({ ...checkInput({ orders }), generated: await codegenArtifacts(config, dir) });
      expect(r.ok).toBe(false);
      expect(r.errors.map((e) => e.message)).toEqual([
        'generated/orders-resolvers.ts is stale: run `npm run codegen` and commit the result',
      ]);
      expect(readFileSync(join(dir, 'generated/orders-resolvers.ts'), 'utf8')).toBe(first!.fresh);
    });
  });

  describe('lint, one rule at a time', () => {
    const cases: [rule: string, orders: string, coordinate: string][] = [
      [
        'naming/type-pascal-case',
        edit(ORDERS, 'type PlaceOrderPayload {', 'type Place_order_payload {').replace(
          '): PlaceOrderPayload!',
          '): Place_order_payload!',
        ),
        'Place_order_payload',
      ],
      [
        'naming/field-camel-case',
        edit(ORDERS, '  total: Int! @requiresScopes', '  total_cents: Int! @requiresScopes'),
        'Order.total_cents',
      ],
      ['naming/enum-value-upper-case', edit(ORDERS, '  PAID\n', '  paid\n'), 'OrderStatus.paid'],
      [
        'pagination/connection',
        edit(
          ORDERS,
          '  "Who placed it."\n  buyer: User @authenticated',
          '  "Who placed it."\n  buyer: User @authenticated\n  "Related orders."\n  related: [Order!]!',
        ),
        'Order.related',
      ],
      [
        'mutation/input-payload',
        edit(
          ORDERS,
          'placeOrder(input: PlaceOrderInput!): PlaceOrderPayload!',
          'placeOrder(total: Int!): PlaceOrderPayload!',
        ),
        'Mutation.placeOrder(total:)',
      ],
      ['docs/description', edit(ORDERS, '  "Where the order is."\n', ''), 'Order.status'],
      ['entity/key', edit(ORDERS, 'type Order @key(fields: "id") {', 'type Order {'), 'Order'],
    ];
    it.each(cases)('%s fails the check', async (rule, orders, coordinate) => {
      const r = await runSchemaCheck(checkInput({ orders }));
      expect(r.ok).toBe(false);
      expect(r.lint.map((l) => `${l.rule} ${l.coordinate}`)).toContain(`${rule} ${coordinate}`);
      expect(r.errors.some((e) => e.check === 'lint' && e.locations?.[0]?.file === 'fixtures/orders.graphql')).toBe(
        true,
      );
    });
  });

  it('fails on a registry file without its client tag, and on an operation that does not validate', async () => {
    const input = checkInput();
    const r = await runSchemaCheck({
      ...input,
      registry: [
        { file: 'fixtures/operations/shop-web.graphql', source: SHOP_WEB.replace('# client: shop-web\n', '') },
        {
          file: 'fixtures/operations/shop-admin.graphql',
          source: '# client: shop-admin\nquery Broken { orders { nope } }\n',
        },
      ],
    });
    expect(r.ok).toBe(false);
    expect(r.errors.map((e) => e.check)).toEqual(['registry', 'operations']);
    expect(r.operations.invalid[0]).toMatchObject({ client: 'shop-admin', operation: 'Broken' });
  });
});
