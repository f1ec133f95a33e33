// The limits subgraphs declare with their fields (lib/src/limits-spec.ts), read from the composed
// supergraph once at start, the way supergraph.ts reads @authenticated / @requiresScopes: the
// spec's @link gives the names its directives carry in this supergraph (composition keeps them
// because each subgraph composes them with @composeDirective), and every application on a field
// becomes a counter policy. A declaration the router cannot enforce (an unknown version of the
// spec, an invalid argument, an argument path the field lacks) stops the router at start:
// serving a limit nobody counts would fail open.
import { createHash } from 'node:crypto';
import {
  Kind,
  buildASTSchema,
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  parse,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import {
  LIMITS_SPEC_NAME,
  LIMITS_SPEC_URL,
  argumentPathProblem,
  lockoutOf,
  rateLimitOf,
  type InputSlot,
  type LockoutDeclaration,
  type RateLimitDeclaration,
} from '@eventzr/lib/limits-spec';
import type { LimitPolicy } from './limiter.ts';
import { SupergraphError } from '../supergraph.ts';

/** One declared @rateLimit with the counters it is counted in. */
export interface DeclaredRateLimit extends RateLimitDeclaration {
  /** "Type.field" it is declared on. */
  coordinate: string;
  policy: LimitPolicy;
}

/** One declared @lockout with its three counters. */
export interface DeclaredLockout extends LockoutDeclaration {
  coordinate: string;
  /** Consecutive failures per (account, client address). */
  failuresPolicy: LimitPolicy;
  /** The lock of an (account, client address) pair (blocked while locked). */
  lockPolicy: LimitPolicy;
  /** Failures per client address across all accounts. */
  addressPolicy: LimitPolicy;
}

export interface FieldLimits {
  rateLimits: DeclaredRateLimit[];
  lockout?: DeclaredLockout;
}

export interface DeclaredLimits {
  /** "Type.field" → its limits; an interface field carries those of every implementation. */
  fields: ReadonlyMap<string, FieldLimits>;
  /** Names of every limited field, for a quick "nothing to count" test of a document. */
  fieldNames: ReadonlySet<string>;
  /** The supergraph schema (types of nested selections). */
  schema: GraphQLSchema;
}

const SPEC_URL_FAMILY = /^https:\/\/eventzr\.dev\/limits\/v\d+\.\d+$/;
const POLICY_NAME = /^[a-z0-9_.:-]{1,64}$/;

function str(node: ConstDirectiveNode, name: string): unknown {
  const a = node.arguments?.find((x) => x.name.value === name);
  return a ? valueFromASTUntyped(a.value) : undefined;
}

/** The names the spec's directives carry in this supergraph (its @link's import / as). */
function directiveNames(doc: DocumentNode): { rateLimit: string; lockout: string } | undefined {
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const d of def.directives ?? []) {
      if (d.name.value !== 'link') continue;
      const url = str(d, 'url');
      if (typeof url !== 'string' || !SPEC_URL_FAMILY.test(url)) continue;
      if (url !== LIMITS_SPEC_URL)
        throw new SupergraphError(`it links ${url}; this router enforces ${LIMITS_SPEC_URL} (declared limits)`);
      const as = str(d, 'as');
      const prefix = typeof as === 'string' ? as : LIMITS_SPEC_NAME;
      const names = { rateLimit: `${prefix}__rateLimit`, lockout: `${prefix}__lockout` };
      const imports = str(d, 'import');
      for (const entry of Array.isArray(imports) ? imports : []) {
        const [name, alias] =
          typeof entry === 'string'
            ? [entry, entry]
            : [(entry as { name?: string }).name, (entry as { as?: string }).as ?? (entry as { name?: string }).name];
        if (name === '@rateLimit' && alias) names.rateLimit = alias.replace(/^@/, '');
        if (name === '@lockout' && alias) names.lockout = alias.replace(/^@/, '');
      }
      return names;
    }
  }
  return undefined;
}

/** A counter name from its parts: readable when it fits the limiter's rules, hashed otherwise. */
function policyName(parts: string[], used: Set<string>): string {
  const base = parts.join(':').toLowerCase();
  let name = POLICY_NAME.test(base)
    ? base
    : `${parts[0]}:${createHash('sha256').update(base).digest('hex').slice(0, 24)}`;
  // Two coordinates that differ only in case, or two limits alike but for their numbers.
  if (used.has(name))
    name = `${name.slice(0, 52)}:${createHash('sha256').update(parts.join(':')).digest('hex').slice(0, 8)}`;
  for (let i = 2; used.has(name); i++) name = `${name.slice(0, 60)}:${i}`;
  used.add(name);
  return name;
}

function slotsOf(args: readonly { name: string; type: GraphQLInputType }[]): InputSlot[] {
  return args.map((a) => ({ name: a.name, type: getNamedType(a.type).name }));
}

/** No declared limit at all (DECLARED_LIMITS_ENABLED=false). */
export function noDeclaredLimits(): DeclaredLimits {
  return { fields: new Map(), fieldNames: new Set(), schema: buildASTSchema(parse('type Query { none: Int }')) };
}

/** Reads every @rateLimit and @lockout of a composed supergraph; throws SupergraphError when one is unusable. */
export function declaredLimitsOf(supergraphSdl: string): DeclaredLimits {
  let doc: DocumentNode;
  try {
    doc = parse(supergraphSdl);
  } catch (err) {
    throw new SupergraphError((err as Error).message);
  }
  const schema = buildASTSchema(doc, { assumeValidSDL: true });
  const fields = new Map<string, FieldLimits>();
  const names = directiveNames(doc);
  if (!names) return { fields, fieldNames: new Set(), schema };

  const inputFields = (typeName: string): InputSlot[] | undefined => {
    const t = schema.getType(typeName);
    return isInputObjectType(t) ? slotsOf(Object.values(t.getFields())) : undefined;
  };
  const used = new Set<string>();
  const own = (typeName: string, field: GraphQLField<unknown, unknown>): FieldLimits | undefined => {
    const coordinate = `${typeName}.${field.name}`;
    const out: FieldLimits = { rateLimits: [] };
    for (const d of field.astNode?.directives ?? []) {
      const which = d.name.value === names.rateLimit ? 'rateLimit' : d.name.value === names.lockout ? 'lockout' : null;
      if (!which) continue;
      const declared = which === 'rateLimit' ? rateLimitOf(d) : lockoutOf(d);
      if (typeof declared === 'string') throw new SupergraphError(`@${which} on ${coordinate}: ${declared}`);
      if (declared.argument) {
        const problem = argumentPathProblem(declared.argument, slotsOf(field.args), inputFields);
        if (problem) throw new SupergraphError(`@${which} on ${coordinate}: ${problem}`);
      }
      if (which === 'lockout') {
        const l = declared as LockoutDeclaration;
        if (out.lockout) throw new SupergraphError(`${coordinate} declares @lockout twice`);
        out.lockout = {
          ...l,
          coordinate,
          // The run of failures is remembered as long as an address's failures are.
          failuresPolicy: {
            name: policyName(['lockout', coordinate, 'failures'], used),
            points: l.failures,
            windowSeconds: l.addressWindow,
          },
          lockPolicy: { name: policyName(['lockout', coordinate, 'lock'], used), points: 1, windowSeconds: l.maxLock },
          addressPolicy: {
            name: policyName(['lockout', coordinate, 'address'], used),
            points: l.addressFailures,
            windowSeconds: l.addressWindow,
          },
        };
        continue;
      }
      const r = declared as RateLimitDeclaration;
      const parts = ['field', coordinate, r.per.toLowerCase(), ...(r.argument ? [r.argument.join('.')] : [])];
      out.rateLimits.push({
        ...r,
        coordinate,
        policy: { name: policyName(parts, used), points: r.requests, windowSeconds: r.window },
      });
    }
    return out.rateLimits.length > 0 || out.lockout ? out : undefined;
  };

  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const limits = own(type.name, field);
      if (limits) fields.set(`${type.name}.${field.name}`, limits);
    }
  }
  // A field selected through an interface may resolve on any implementation: it counts against
  // what each implementation declares.
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !isInterfaceType(type)) continue;
    for (const fieldName of Object.keys(type.getFields())) {
      const merged: FieldLimits = { rateLimits: [] };
      for (const impl of schema.getPossibleTypes(type)) {
        const l = fields.get(`${impl.name}.${fieldName}`);
        if (!l) continue;
        for (const r of l.rateLimits)
          if (!merged.rateLimits.some((x) => x.policy.name === r.policy.name)) merged.rateLimits.push(r);
      }
      if (merged.rateLimits.length > 0) fields.set(`${type.name}.${fieldName}`, merged);
    }
  }
  const fieldNames = new Set([...fields.keys()].map((c) => c.slice(c.indexOf('.') + 1)));
  return { fields, fieldNames, schema };
}
