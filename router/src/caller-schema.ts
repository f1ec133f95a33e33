// Each caller's own schema: the part of the supergraph a caller's permissions can call. What a
// caller's documents are validated against (operation.ts) and what introspection shows it.
//
// A caller's schema = the root fields layer 1 lets it select (authorization.ts mayCall: the
// SecurityMap's @authenticated / @requiresScopes against what it holds: nothing for anonymous
// callers; a user's permissions, never an `internal:*` scope; an internal credential's
// `internal:*` scopes, never a field that needs a user), the types reachable from them through
// fields it may select too (their arguments, their results, the members of a union, the
// implementations of an interface), the standard scalars and the schema's directives. A type's
// fields it may not select are dropped. The anonymous caller's is the public schema. The API
// schema the gateway serves already leaves out @inaccessible elements, federation's
// `_service` / `_entities` and the join / link machinery, so no caller schema has them either.
//
// One schema per capability (caller kind + the scopes it holds that some requirement names), in a
// bounded LRU: 10,000 users with the same roles share one, a permission no field asks for makes
// no new one. The gate makes a new cache whenever the gateway (re)loads its schema.
import { LRUCache } from 'lru-cache';
import {
  Kind,
  NoSchemaIntrospectionCustomRule,
  buildASTSchema,
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  parse,
  printSchema,
  specifiedRules,
  validate,
  type ASTNode,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type OperationTypeNode,
  type ValidationRule,
} from 'graphql';
import { ANONYMOUS, type Caller } from '@eventzr/lib/claims';
import { mayCall, rootFields, scopesOf } from './authorization.ts';
import type { SecurityMap } from './supergraph.ts';

/** What a caller may call, as far as the supergraph's requirements can tell callers apart. */
export interface Capability {
  kind: Caller['kind'];
  /** The scopes it holds that some requirement names (the others change nothing). */
  scopes: ReadonlySet<string>;
  /** kind + those scopes, sorted: callers with one key have one schema. */
  key: string;
}

export interface CallerSchema {
  /** The capability it was built for (Capability.key). */
  key: string;
  schema: GraphQLSchema;
  /**
   * Object and interface types that kept every field: "no field X on T" says nothing about the
   * rest of the schema for them, while for a type that lost fields it could name a protected one.
   */
  complete: ReadonlySet<string>;
  /** Root operation types the full schema has (the caller's may lack some). */
  fullRoots: ReadonlySet<OperationTypeNode>;
  /** Every type, field, argument, input field and enum value name it holds. */
  names: ReadonlySet<string>;
}

/** The anonymous caller's schema. */
export type PublicSchema = CallerSchema;

const STANDARD_SCALARS = ['String', 'Int', 'Float', 'Boolean', 'ID'];
const ROOTS = ['query', 'mutation', 'subscription'] as OperationTypeNode[];

/** Every scope some requirement of the map names. */
export function scopesNamed(security: SecurityMap): ReadonlySet<string> {
  const out = new Set<string>();
  for (const req of security.values())
    for (const alts of req.scopes) for (const all of alts) for (const s of all) out.add(s);
  return out;
}

export function capabilityOf(caller: Caller, named: ReadonlySet<string>): Capability {
  const scopes = [...scopesOf(caller)].filter((s) => named.has(s)).sort();
  return { kind: caller.kind, scopes: new Set(scopes), key: `${caller.kind}:${scopes.join(' ')}` };
}

type Keep = (typeName: string, fieldName: string) => boolean;

/** The fields of `type` the caller may select. */
function keptFields(type: GraphQLNamedType, keep: Keep): GraphQLField<unknown, unknown>[] {
  if (!isObjectType(type) && !isInterfaceType(type)) return [];
  return Object.values(type.getFields()).filter((f) => keep(type.name, f.name));
}

/** `sdl`: the API schema's definitions (parse(printSchema(api))), when the caller already has them. */
export function callerSchemaOf(
  api: GraphQLSchema,
  security: SecurityMap,
  capability: Capability,
  sdl: DocumentNode = parse(printSchema(api), { noLocation: true }),
): CallerSchema {
  const keep: Keep = (typeName, fieldName) =>
    mayCall(capability.kind, capability.scopes, security.get(`${typeName}.${fieldName}`));
  const reachable = new Set<string>();
  const visitType = (type: GraphQLNamedType): void => {
    if (reachable.has(type.name)) return;
    reachable.add(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of keptFields(type, keep)) {
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
  const keptRoots = new Map<OperationTypeNode, string>();
  for (const op of ROOTS) {
    const root = api.getRootType(op);
    if (!root) continue;
    fullRoots.add(op);
    // A query root is kept even without a field the caller may select: `{ __typename }` and
    // introspection (when enabled) validate against it, as they do for everyone.
    if (op === 'query' || keptFields(root, keep).length > 0) {
      keptRoots.set(op, root.name);
      visitType(root);
    }
  }
  for (const directive of api.getDirectives()) for (const arg of directive.args) visitType(getNamedType(arg.type));
  for (const name of STANDARD_SCALARS) {
    const t = api.getType(name);
    if (t) visitType(t);
  }

  const definitions: DefinitionNode[] = [];
  for (const def of sdl.definitions) {
    switch (def.kind) {
      case Kind.SCHEMA_DEFINITION:
        definitions.push({
          ...def,
          operationTypes: def.operationTypes.filter((o) => keptRoots.get(o.operation) === o.type.name.value),
        });
        break;
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_DEFINITION:
        if (!reachable.has(def.name.value)) break;
        definitions.push({
          ...def,
          fields: def.fields?.filter((f) => keep(def.name.value, f.name.value)),
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
  // printSchema leaves the standard scalars out: the ones the API schema has come back.
  for (const name of STANDARD_SCALARS)
    if (api.getType(name) && !definitions.some((d) => d.kind === Kind.SCALAR_TYPE_DEFINITION && d.name.value === name))
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
  return { key: capability.key, schema, complete, fullRoots, names };
}

/** The public schema: what an anonymous caller's operation is validated against. */
export function publicSchemaOf(api: GraphQLSchema, security: SecurityMap): PublicSchema {
  return callerSchemaOf(api, security, capabilityOf(ANONYMOUS, scopesNamed(security)));
}

export interface CallerSchemas {
  /** The caller's schema, built on first use for its capability. */
  of(caller: Caller): CallerSchema;
  /** Schemas built so far (cache misses). */
  readonly builds: number;
  size(): number;
}

/** Default number of distinct capabilities whose schemas are kept. */
export const CALLER_SCHEMA_CACHE_ENTRIES = 256;

/** The caller schemas of one API schema, least recently used out first beyond `max`. */
export function callerSchemas(
  api: GraphQLSchema,
  security: SecurityMap,
  max = CALLER_SCHEMA_CACHE_ENTRIES,
): CallerSchemas {
  const named = scopesNamed(security);
  const cache = new LRUCache<string, CallerSchema>({ max });
  let sdl: DocumentNode | undefined;
  let builds = 0;
  return {
    of(caller) {
      const capability = capabilityOf(caller, named);
      let cs = cache.get(capability.key);
      if (!cs) {
        builds++;
        sdl ??= parse(printSchema(api), { noLocation: true });
        cs = callerSchemaOf(api, security, capability, sdl);
        cache.set(capability.key, cs);
      }
      return cs;
    },
    get builds() {
      return builds;
    },
    size: () => cache.size,
  };
}

/** How an authenticated caller's document fares against its own schema. */
export interface CallerVerdict {
  /**
   * It selects a field that exists in the full schema but not in the caller's (or uses a root
   * operation type the caller's lacks): layer 1 refuses it (with its usual code and the permission
   * that is missing), and nothing about what lies beyond gets validated.
   */
  forbidden: boolean;
  /**
   * Every other validation error, from graphql-js's rules run against the caller's schema: they
   * name what the document wrote or what the caller's schema holds (suggestions included), nothing else.
   * A type outside the caller's schema is simply unknown to it.
   */
  errors: readonly GraphQLError[];
}

/** Validates a user's or an internal caller's document against its own schema. */
export function validateForCaller(
  cs: CallerSchema,
  api: GraphQLSchema,
  document: DocumentNode,
  introspection: boolean,
): CallerVerdict {
  const outside = new Set<ASTNode>();
  let forbidden = false;
  const boundary: ValidationRule = (context) => ({
    OperationDefinition(node) {
      if (!context.getSchema().getRootType(node.operation) && cs.fullRoots.has(node.operation)) forbidden = true;
    },
    Field(node) {
      const parent = context.getParentType();
      if (!parent || context.getFieldDef()) return;
      const full = api.getType(parent.name);
      if ((isObjectType(full) || isInterfaceType(full)) && full.getFields()[node.name.value]) {
        forbidden = true;
        outside.add(node);
      }
    },
  });
  const rules = [...specifiedRules, boundary, ...(introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  // FieldsOnCorrectTypeRule reports a forbidden field too (with suggestions from the caller's
  // schema): layer 1's refusal answers for it instead.
  const errors = validate(cs.schema, document, rules).filter((e) => !e.nodes?.some((n) => outside.has(n)));
  return { forbidden, errors };
}

/**
 * What an operation's root selections are: only `__schema` / `__type` / `__typename` ("only": the
 * router answers it from the caller's schema), introspection next to ordinary fields ("mixed":
 * refused, the gateway would answer the introspection part from the full schema), or neither.
 */
export function introspectionShape(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): 'only' | 'mixed' | 'none' {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const roots = rootFields(operation.selectionSet, fragments).map((f) => f.name.value);
  const ordinary = roots.some((n) => !n.startsWith('__'));
  if (!ordinary) return 'only';
  return roots.some((n) => n === '__schema' || n === '__type') ? 'mixed' : 'none';
}
