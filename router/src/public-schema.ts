// The public part of the supergraph: what an anonymous caller's operation is validated against.
//
// Public = the root fields the supergraph leaves without @authenticated / @requiresScopes (the
// SecurityMap has no entry for them), the types reachable from them through fields that are
// public too (their arguments, their results, the members of a union, the implementations of an
// interface), the standard scalars and the schema's directives. A type's protected fields are
// dropped. A caller without a token can therefore learn nothing from validation beyond this
// part: the schema it is validated against has nothing else in it.
import {
  Kind,
  buildASTSchema,
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  parse,
  printSchema,
  type DefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationTypeNode,
} from 'graphql';
import type { SecurityMap } from './supergraph.ts';

export interface PublicSchema {
  schema: GraphQLSchema;
  /**
   * Object and interface types that kept every field: "no field X on T" says nothing about the
   * rest of the schema for them, while for a type that lost fields it could name a protected one.
   */
  complete: ReadonlySet<string>;
  /** Root operation types the full schema has (the public one may lack some). */
  fullRoots: ReadonlySet<OperationTypeNode>;
  /** Every type, field, argument, input field and enum value name the public part holds. */
  names: ReadonlySet<string>;
}

const STANDARD_SCALARS = ['String', 'Int', 'Float', 'Boolean', 'ID'];
const ROOTS = ['query', 'mutation', 'subscription'] as OperationTypeNode[];

/** The fields of `type` an anonymous caller may select. */
function publicFields(type: GraphQLNamedType, security: SecurityMap): GraphQLField<unknown, unknown>[] {
  if (!isObjectType(type) && !isInterfaceType(type)) return [];
  return Object.values(type.getFields()).filter((f) => !security.has(`${type.name}.${f.name}`));
}

export function publicSchemaOf(api: GraphQLSchema, security: SecurityMap): PublicSchema {
  const reachable = new Set<string>();
  const visitType = (type: GraphQLNamedType): void => {
    if (reachable.has(type.name)) return;
    reachable.add(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of publicFields(type, security)) {
        visitType(getNamedType(field.type));
        for (const arg of field.args) visitType(getNamedType(arg.type));
      }
      for (const iface of type.getInterfaces()) visitType(iface);
      if (isInterfaceType(type)) for (const impl of api.getPossibleTypes(type)) visitType(impl);
    } else if (isUnionType(type)) {
      for (const member of type.getTypes()) visitType(member);
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) visitType(getNamedType(field.type));
    }
  };

  const fullRoots = new Set<OperationTypeNode>();
  const publicRoots = new Map<OperationTypeNode, string>();
  for (const op of ROOTS) {
    const root = api.getRootType(op);
    if (!root) continue;
    fullRoots.add(op);
    // A query root is kept even without a public field: `{ __typename }` and introspection (when
    // enabled) validate against it, as they do for everyone.
    if (op === 'query' || publicFields(root, security).length > 0) {
      publicRoots.set(op, root.name);
      visitType(root);
    }
  }
  for (const directive of api.getDirectives()) for (const arg of directive.args) visitType(getNamedType(arg.type));
  for (const name of STANDARD_SCALARS) {
    const t = api.getType(name);
    if (t) visitType(t);
  }

  const keepField = (typeName: string, fieldName: string) => !security.has(`${typeName}.${fieldName}`);
  const definitions: DefinitionNode[] = [];
  for (const def of parse(printSchema(api), { noLocation: true }).definitions) {
    switch (def.kind) {
      case Kind.SCHEMA_DEFINITION:
        definitions.push({
          ...def,
          operationTypes: def.operationTypes.filter((o) => publicRoots.get(o.operation) === o.type.name.value),
        });
        break;
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_DEFINITION:
        if (!reachable.has(def.name.value)) break;
        definitions.push({
          ...def,
          fields: def.fields?.filter((f) => keepField(def.name.value, f.name.value)),
          interfaces: def.interfaces?.filter((i) => reachable.has(i.name.value)),
        });
        break;
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_DEFINITION:
        if (reachable.has(def.name.value)) definitions.push(def);
        break;
      default:
        definitions.push(def);
    }
  }
  for (const name of STANDARD_SCALARS)
    if (!definitions.some((d) => d.kind === Kind.SCALAR_TYPE_DEFINITION && d.name.value === name))
      definitions.push({ kind: Kind.SCALAR_TYPE_DEFINITION, name: { kind: Kind.NAME, value: name } });
  // The SDL is a subset of a valid schema; a type whose fields are all protected keeps none,
  // which GraphQL's schema rules would refuse, but which validates operations just as well.
  const schema = buildASTSchema({ kind: Kind.DOCUMENT, definitions }, { assumeValid: true, assumeValidSDL: true });

  const complete = new Set<string>();
  const names = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    names.add(type.name);
    const full = api.getType(type.name);
    if ((isObjectType(type) || isInterfaceType(type)) && (isObjectType(full) || isInterfaceType(full))) {
      if (Object.keys(type.getFields()).length === Object.keys(full.getFields()).length) complete.add(type.name);
    }
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type))
      for (const field of Object.values(type.getFields())) {
        names.add(field.name);
        if ('args' in field) for (const arg of field.args) names.add(arg.name);
      }
    if ('getValues' in type) for (const v of type.getValues()) names.add(v.name);
  }
  return { schema, complete, fullRoots, names };
}
