// Scalars shared by every subgraph: DateTime (ISO-8601) and JSON (any JSON value).
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { badUserInput } from './errors.ts';

export const DateTime = DateTimeResolver;

function literalToJson(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    default:
      throw badUserInput('Invalid JSON literal');
  }
}

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: (ast, variables) => literalToJson(ast, variables),
});

/**
 * A GraphQL enum over stored values: each value's UPPER_CASE name mapped to the stored value (the
 * enum's internal values), e.g. `{ DEAD_LETTERED: 'dead_lettered' }`. The resolvers and codegen
 * both take it from the one list of stored values.
 */
export function enumValues<const V extends string>(values: readonly V[]): { [K in V as Uppercase<K>]: K } {
  return Object.fromEntries(values.map((v) => [v.toUpperCase(), v])) as { [K in V as Uppercase<K>]: K };
}
