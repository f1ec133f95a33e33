// What an anonymous attacker sends to map a schema, derived from the schema itself (every root
// field, misspelled, with arguments it lacks or wrong values; fragments and variables on every
// type), and the names such an attacker must not learn: every name of the API schema that its
// public part (caller-schema.ts) does not hold.
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  type GraphQLSchema,
} from 'graphql';
import { publicSchemaOf } from '../caller-schema.ts';
import type { SecurityMap } from '../supergraph.ts';

/** Every name of the API schema that the public part does not hold. */
export function nonPublicNames(schema: GraphQLSchema, security: SecurityMap): Set<string> {
  return namesOutside(schema, publicSchemaOf(schema, security).names);
}

/** Every name of the API schema that `names` (a caller schema's) lacks. */
export function namesOutside(schema: GraphQLSchema, names: ReadonlySet<string>): Set<string> {
  const pub = names;
  const all = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    all.add(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type))
      for (const field of Object.values(type.getFields())) {
        all.add(field.name);
        if ('args' in field) for (const arg of field.args) all.add(arg.name);
      }
    if (isEnumType(type)) for (const v of type.getValues()) all.add(v.name);
  }
  return new Set([...all].filter((n) => !pub.has(n)));
}

/** Every name a document writes (a message may repeat those to its sender). */
export const writtenNames = (document: string): Set<string> => new Set(document.match(/[_A-Za-z][_0-9A-Za-z]*/g) ?? []);

/** The schema names a message mentions: graphql-js quotes each one ("Type", "Type.field", "$var"). */
export function quotedNames(message: string): string[] {
  return [...message.matchAll(/"([^"]*)"/g)].flatMap((m) => m[1]!.split(/[^_A-Za-z0-9]+/).filter(Boolean));
}

/** Documents an anonymous attacker maps a schema with, derived from the schema itself. */
export function attacks(schema: GraphQLSchema): string[] {
  const docs: string[] = [];
  const misspell = (n: string) => (n.length > 3 ? n.slice(0, -1) : `${n}x`);
  for (const [op, root] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      const sel = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
      // The field itself, misspelled (suggestions), with an argument it lacks, with wrong values.
      docs.push(`${op} { ${field.name}${sel} }`);
      docs.push(`${op} { ${misspell(field.name)}${sel} }`);
      docs.push(`${op} { ${field.name}(nope: 1)${sel} }`);
      if (field.args.length > 0) {
        docs.push(`${op} { ${field.name}(${field.args.map((a) => `${a.name}: { zz: 1 }`).join(', ')})${sel} }`);
        docs.push(`${op} { ${field.name}(${field.args[0]!.name}: 1)${sel} }`);
      }
      // Missing required arguments (names their input types when validated against the full schema).
      docs.push(`${op} { ${field.name}${sel} }`);
      // Sub-fields of its result type, misspelled and not.
      const result = getNamedType(field.type);
      if (isObjectType(result))
        for (const sub of Object.values(result.getFields())) {
          docs.push(`${op} { ${field.name} { ${sub.name} } }`);
          docs.push(`${op} { ${field.name} { ${misspell(sub.name)} } }`);
        }
    }
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    // Fragments on every type, and variables of every input type.
    if (isObjectType(type) || isInterfaceType(type)) {
      docs.push(`query { ...F } fragment F on ${type.name} { __typename }`);
      docs.push(`query { ... on ${type.name} { __typename } }`);
      docs.push(`query { ...F } fragment F on ${misspell(type.name)} { __typename }`);
    }
    if (isInputObjectType(type) || isEnumType(type))
      docs.push(`query ($v: ${type.name}) { __typename }`, `query ($v: ${misspell(type.name)}) { __typename }`);
  }
  // Public fields with wrong input: required input fields, unknown input fields, wrong scalars.
  docs.push('mutation { register(input: {}) { user { id } } }');
  docs.push('mutation { register(input: { email: 1, password: 2, name: 3, tenant: 4 }) { user { id } } }');
  docs.push('mutation { register(input: { email: "a", password: "b", name: "c" }) { user { role } } }');
  docs.push('mutation { login(input: { email: "a", password: "b" }) { accessToken user } }');
  return docs;
}
