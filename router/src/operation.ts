// One operation, checked, then executed.
//
// Before Apollo Server sees a request, the router resolves the one operation the request will
// execute, once, by the GraphQL-over-HTTP rules for operationName:
//   - missing, null or "" (GET: "omitting it or setting it to the empty string is equivalent";
//     POST follows the same rule, as the gateway did): the document's only operation; a document
//     with several → 400 OPERATION_RESOLUTION_FAILURE;
//   - a name: the operation with that name; none → 400 OPERATION_RESOLUTION_FAILURE;
//   - a GET that resolves to a mutation → 405 (Allow: POST), nothing runs;
//   - an operation type the schema lacks (subscription) → 400 GRAPHQL_VALIDATION_FAILED.
// Then every router-level check runs on exactly that operation: first the operation limits
// (limits/operation-limits.ts: depth, aliases, root fields, directives, field repeats; the token
// limit bounds the parse itself), then the one public root field of anonymous callers and
// layer-1 @authenticated / @requiresScopes; and the
// request reaches Apollo with an operationName that leaves no choice: the resolved operation's
// name, or none for a document holding a single anonymous operation. The plugin below sets it on
// Apollo's request (which is what the gateway reads) and refuses to go on when Apollo resolved
// anything else.
//
// Every caller's document is validated against that caller's own schema (caller-schema.ts)
// before anything else. Anonymous callers (the public schema): a document that steps outside it
// (a protected or unknown root field, a field a public type keeps from them, a non-public type)
// is 401 UNAUTHENTICATED with one fixed message, whatever exists beyond. Users and internal
// callers: a field the full schema has and theirs lacks is refused by layer 1 as before (403 /
// 401, naming the permission it needs); a type outside their schema is unknown to them. Other
// validation errors name only what the caller's schema holds (or what the caller wrote), without
// suggestions in production. An operation of `__schema` / `__type` / `__typename` only is answered
// by the router from the caller's schema (plugin below: introspection shows each caller its own
// schema); introspection next to ordinary root fields is refused (400).
//
// The limits come first, for every caller: they read the document's syntax only, so their answer
// (the limit and its maximum) tells an anonymous caller nothing about the schema, and a document
// over them costs no validation (the expensive part, and what an oversized document attacks).
//
// Parsing, the limit checks, the validations and the requirements are cached per document text
// in a bounded LRU (validations per caller capability too), so a repeated document costs a Map
// lookup.
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import { LRUCache } from 'lru-cache';
import {
  FieldsOnCorrectTypeRule,
  GraphQLError,
  Kind,
  KnownTypeNamesRule,
  execute,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type OperationTypeNode,
  type ValidationRule,
} from 'graphql';
import { ANONYMOUS, type Caller } from '@eventzr/lib/claims';
import { forbidden, httpStatusOf, maskError, unauthenticated } from '@eventzr/lib/errors';
import { operationRequirements, refusal, type OperationRequirements } from './authorization.ts';
import type { RouterContext } from './context.ts';
import { metaOf } from './http.ts';
import {
  checkOperationLimits,
  DEFAULT_OPERATION_LIMITS,
  parseDocument,
  type OperationLimits,
} from './limits/operation-limits.ts';
import {
  callerSchemas,
  introspectionShape,
  validateForCaller,
  type CallerSchemas,
  type CallerVerdict,
  type PublicSchema,
} from './caller-schema.ts';
import type { SecurityMap } from './supergraph.ts';
import { mtlsRefusal, type ClientCertificate, type MtlsPolicy } from './tls.ts';

/** The operation the router resolved and checked; Apollo and the gateway must execute exactly it. */
export interface CheckedOperation {
  /** undefined: the document's single, anonymous operation. */
  name: string | undefined;
  type: OperationTypeNode;
  /** The document text it was resolved in. */
  source: string;
  /** The parsed document (the gate's cached parse: read it, never change it). */
  document: DocumentNode;
  /** The operation's node in `document`. */
  definition: OperationDefinitionNode;
  /** Its root selections are introspection only: the router answers it from the caller's schema. */
  introspection?: true;
}

export interface OperationRequest {
  query: string;
  operationName: unknown;
  method: string;
  caller: Caller;
  /** The client certificate the mTLS CA verified on the request's connection (tls.ts). */
  clientCertificate?: ClientCertificate | undefined;
}

export type GateAnswer =
  | { ok: true; operation: CheckedOperation }
  | { ok: false; status: number; errors: readonly GraphQLError[]; headers?: Record<string, string> };

export interface GateStats {
  /** Documents parsed (cache misses). */
  parses: number;
  /** Validations against the public schema (anonymous callers, once per document). */
  publicValidations: number;
  /** Validations against a user's or internal caller's schema (once per document and capability). */
  callerValidations: number;
  /** Layer-1 requirement computations (once per document and operation). */
  requirements: number;
  /** Operation limit checks (once per document and operation). */
  limitChecks: number;
}

interface DocumentEntry {
  document?: DocumentNode;
  parseError?: GraphQLError;
  operations: readonly OperationDefinitionNode[];
  /** Anonymous callers' validation: null when the document is valid against the public schema. */
  publicVerdict?: GateAnswer | null;
  /** Other callers' validations, by capability (a few kept per document). */
  callerVerdicts?: Map<string, CallerVerdict>;
  requirements: Map<OperationDefinitionNode, OperationRequirements>;
  /** Each operation's limit refusal, null when it is within the limits. */
  limits: Map<OperationDefinitionNode, GraphQLError | null>;
}

/**
 * Documents by their text, least recently used out first, bounded by entries and by the total
 * length of the texts; one over a quarter of that budget is not kept (it would evict everything else).
 */
export function documentCache<V extends object | number>(maxEntries: number, maxChars: number): LRUCache<string, V> {
  return new LRUCache<string, V>({
    max: maxEntries,
    maxSize: maxChars,
    maxEntrySize: Math.max(1, Math.floor(maxChars / 4)),
    sizeCalculation: (_value, key) => Math.max(1, key.length),
  });
}

const MESSAGES = {
  several: 'Must provide operation name if query contains multiple operations.',
  none: 'Must provide an operation.',
  unknown: (name: string) => `Unknown operation named "${name}".`,
};

/**
 * The operation a request executes: GraphQL's GetOperation(), with GraphQL-over-HTTP's rule that
 * an empty operationName is the same as none. Returns the message of the request error otherwise.
 */
export function selectOperation(
  operations: readonly OperationDefinitionNode[],
  operationName: string | null | undefined,
): OperationDefinitionNode | string {
  if (operationName == null || operationName === '') {
    if (operations.length === 1) return operations[0]!;
    return operations.length === 0 ? MESSAGES.none : MESSAGES.several;
  }
  return operations.find((o) => o.name?.value === operationName) ?? MESSAGES.unknown(operationName);
}

function requestError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

const fail = (status: number, code: string, message: string, headers?: Record<string, string>): GateAnswer => ({
  ok: false,
  status,
  errors: [requestError(code, message)],
  ...(headers ? { headers } : {}),
});

/** What an anonymous caller hears when its document steps outside the public schema. */
const OUTSIDE_PUBLIC = 'Authentication required: send a bearer token';

/**
 * Replaces FieldsOnCorrectTypeRule and KnownTypeNamesRule for the public schema: a field a
 * public type does not have, a type it does not know, a root type it lacks, may exist beyond it,
 * so they only raise `outside` (answered with the fixed 401). A field missing from a type that
 * kept all of its fields is an ordinary validation error (no suggestions).
 */
function boundaryRule(pub: PublicSchema, outside: { found: boolean }): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      if (!context.getSchema().getRootType(node.operation) && pub.fullRoots.has(node.operation)) outside.found = true;
    },
    Field(node) {
      const parent = context.getParentType();
      if (!parent || context.getFieldDef()) return;
      if (pub.complete.has(parent.name))
        context.reportError(
          new GraphQLError(`Cannot query field "${node.name.value}" on type "${parent.name}".`, { nodes: node }),
        );
      else outside.found = true;
    },
    NamedType(node) {
      if (!context.getSchema().getType(node.name.value)) outside.found = true;
    },
  });
}

const PUBLIC_RULES = specifiedRules.filter((r) => r !== FieldsOnCorrectTypeRule && r !== KnownTypeNamesRule);

/** Validates a document against the public schema; null when valid. */
export function validatePublic(pub: PublicSchema, document: DocumentNode, production: boolean): GateAnswer | null {
  const outside = { found: false };
  const errors = validate(pub.schema, document, [...PUBLIC_RULES, boundaryRule(pub, outside)]);
  if (outside.found) return { ok: false, status: 401, errors: [unauthenticated(OUTSIDE_PUBLIC)] };
  return validationFailure(errors, production);
}

/** 400 GRAPHQL_VALIDATION_FAILED for `errors` (suggestions removed in production); null for none. */
function validationFailure(errors: readonly GraphQLError[], production: boolean): GateAnswer | null {
  if (errors.length === 0) return null;
  return {
    ok: false,
    status: 400,
    errors: errors.map(
      (e) =>
        new GraphQLError(production ? withoutSuggestions(e.message) : e.message, {
          nodes: e.nodes,
          source: e.source,
          positions: e.positions,
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        }),
    ),
  };
}

/** Apollo's hideSchemaDetailsFromClientErrors, for the answers given here. */
const withoutSuggestions = (message: string) => message.replace(/ ?Did you mean(.+?)\?$/, '');

/**
 * A document that selects what the caller may not call in an operation other than the one it
 * runs (which layer 1 passed): refused whole, as an anonymous caller's is, since Apollo would
 * otherwise validate the rest of it against the full schema.
 */
const OUTSIDE_CALLER = 'The document selects fields your permissions do not allow';

/** Caller verdicts kept per document (distinct capabilities sending the same text). */
const VERDICTS_PER_DOCUMENT = 16;

export interface OperationGateOptions {
  security: SecurityMap;
  production: boolean;
  /** Introspection enabled (INTROSPECTION; default: outside production). */
  introspection?: boolean;
  /** Caller schemas kept, one per distinct capability (default 256). */
  callerSchemaEntries?: number;
  /** Fields that need a verified client certificate (ROUTER_MTLS_CA); undefined: none. */
  mtls?: MtlsPolicy | undefined;
  /** What one operation may ask (default DEFAULT_OPERATION_LIMITS; config.ts OPERATION_MAX_*). */
  limits?: OperationLimits | undefined;
  /** Documents remembered (default 1000) and their total length in characters (default 8 M). */
  cacheEntries?: number;
  cacheChars?: number;
}

export interface OperationGate {
  /** Resolves and checks one request's operation. */
  check(request: OperationRequest): GateAnswer;
  /** The API schema the gateway serves; the plugin sets it on every (re)load. */
  setSchema(apiSchema: GraphQLSchema): void;
  /** Express middleware (after authentication): answers a refusal, or records the checked operation. */
  middleware: RequestHandler;
  /** Apollo plugin: loads the schema, hands Apollo the checked operation, refuses any other. */
  plugin: ApolloServerPlugin<RouterContext>;
  stats: GateStats;
  cacheSize(): number;
}

export function createOperationGate(opts: OperationGateOptions): OperationGate {
  const { security, production } = opts;
  const limits = opts.limits ?? DEFAULT_OPERATION_LIMITS;
  const introspection = opts.introspection ?? !production;
  let schemas: { api: GraphQLSchema; pub: PublicSchema; callers: CallerSchemas } | undefined;
  const documents = documentCache<DocumentEntry>(opts.cacheEntries ?? 1000, opts.cacheChars ?? 8_000_000);
  const stats: GateStats = {
    parses: 0,
    publicValidations: 0,
    callerValidations: 0,
    requirements: 0,
    limitChecks: 0,
  };

  const entryOf = (query: string): DocumentEntry => {
    let entry = documents.get(query);
    if (entry) return entry;
    stats.parses++;
    // At most limits.maxTokens tokens are read; a syntax error or a document over the token limit
    // is remembered like a document (the same text is refused again without reading it).
    const document = parseDocument(query, limits.maxTokens);
    entry =
      document instanceof GraphQLError
        ? { parseError: document, operations: [], requirements: new Map(), limits: new Map() }
        : {
            document,
            operations: document.definitions.filter(
              (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
            ),
            requirements: new Map(),
            limits: new Map(),
          };
    documents.set(query, entry);
    return entry;
  };

  const check = (req: OperationRequest): GateAnswer => {
    if (!schemas) throw new Error('operation gate used before the gateway loaded its schema');
    const { api, pub, callers } = schemas;
    if (typeof req.operationName !== 'string' && req.operationName != null)
      return fail(400, 'BAD_REQUEST', '`operationName` must be a string');
    const entry = entryOf(req.query);
    if (!entry.document) return { ok: false, status: 400, errors: [entry.parseError!] };

    const operation = selectOperation(entry.operations, req.operationName);
    if (typeof operation === 'string') return fail(400, 'OPERATION_RESOLUTION_FAILURE', operation);
    if (req.method === 'GET' && operation.operation !== 'query')
      return fail(
        405,
        'BAD_REQUEST',
        `GET requests only support query operations, not ${operation.operation} operations`,
        {
          allow: 'POST',
        },
      );

    let overLimit = entry.limits.get(operation);
    if (overLimit === undefined) {
      stats.limitChecks++;
      overLimit = checkOperationLimits(entry.document, operation, limits) ?? null;
      entry.limits.set(operation, overLimit);
    }
    if (overLimit) return { ok: false, status: 400, errors: [overLimit] };

    if (req.caller.kind === 'anonymous') {
      if (entry.publicVerdict === undefined) {
        stats.publicValidations++;
        entry.publicVerdict = validatePublic(pub, entry.document, production);
      }
      if (entry.publicVerdict) return entry.publicVerdict;
    }
    let verdict: CallerVerdict | undefined;
    if (req.caller.kind !== 'anonymous') {
      const cs = callers.of(req.caller);
      const verdicts = (entry.callerVerdicts ??= new Map());
      verdict = verdicts.get(cs.key);
      if (!verdict) {
        stats.callerValidations++;
        verdict = validateForCaller(cs, api, entry.document, introspection);
        if (verdicts.size >= VERDICTS_PER_DOCUMENT) verdicts.delete(verdicts.keys().next().value!);
        verdicts.set(cs.key, verdict);
      }
      if (!verdict.forbidden) {
        const failed = validationFailure(verdict.errors, production);
        if (failed) return failed;
      }
    }
    const shape = introspectionShape(entry.document, operation);
    if (shape === 'mixed')
      return fail(
        400,
        'GRAPHQL_VALIDATION_FAILED',
        'Introspection (__schema, __type) cannot be combined with other root fields: send it as an operation of its own.',
      );
    // graphql-js 16 validates nothing under a root type the schema lacks (there is no
    // Subscription here), and the gateway's planner would then throw: a 500 for a bad request.
    if (!api.getRootType(operation.operation))
      return fail(
        400,
        'GRAPHQL_VALIDATION_FAILED',
        `The ${operation.operation} operation is not supported by the schema.`,
      );

    let requirements = entry.requirements.get(operation);
    if (!requirements) {
      stats.requirements++;
      requirements = operationRequirements(api, entry.document, operation, security);
      entry.requirements.set(operation, requirements);
    }
    const refused =
      refusal(requirements, req.caller) ??
      mtlsRefusal(opts.mtls, requirements.scopes, req.caller, req.clientCertificate) ??
      (verdict?.forbidden ? outsideRefusal(api, entry, req.caller) : undefined);
    if (refused) return { ok: false, status: httpStatusOf[String(refused.extensions.code)] ?? 400, errors: [refused] };
    return {
      ok: true,
      operation: {
        name: operation.name?.value,
        type: operation.operation,
        source: req.query,
        document: entry.document,
        definition: operation,
        ...(shape === 'only' ? { introspection: true as const } : {}),
      },
    };
  };

  /** Layer 1's refusal of another operation of the document, or a fixed 403. */
  const outsideRefusal = (api: GraphQLSchema, entry: DocumentEntry, caller: OperationRequest['caller']) => {
    for (const other of entry.operations) {
      let requirements = entry.requirements.get(other);
      if (!requirements) {
        stats.requirements++;
        requirements = operationRequirements(api, entry.document!, other, security);
        entry.requirements.set(other, requirements);
      }
      const refused = refusal(requirements, caller);
      if (refused) return refused;
    }
    return forbidden(OUTSIDE_CALLER);
  };

  const middleware: RequestHandler = (req, res, next) => {
    const context = res.locals.context as RouterContext;
    let query: unknown;
    let operationName: unknown;
    if (req.method === 'GET') {
      const params = new URL(req.url, 'http://router.invalid').searchParams;
      query = params.get('query');
      operationName = params.get('operationName');
    } else {
      const body = req.body as { query?: unknown; operationName?: unknown };
      query = body.query;
      operationName = body.operationName;
    }
    // The Sandbox page (a GET without an operation) is Apollo's to answer; http.ts refused the rest.
    if (typeof query !== 'string') return next();
    const answer = check({
      query,
      operationName,
      method: req.method,
      caller: context.caller,
      clientCertificate: context.clientCertificate,
    });
    if (answer.ok) {
      context.operation = answer.operation;
      return next();
    }
    const requestId = metaOf(res)?.request_id;
    const errors: GraphQLFormattedError[] = answer.errors.map((e) =>
      maskError(e.toJSON(), e, { production, ...(requestId ? { requestId } : {}) }),
    );
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    if (answer.status === 401) res.setHeader('www-authenticate', 'Bearer realm="eventzr"');
    res
      .status(answer.status)
      .type('application/json')
      .send(JSON.stringify({ errors, extensions: { meta: metaOf(res) } }));
  };

  const plugin: ApolloServerPlugin<RouterContext> = {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate({ apiSchema }) {
          setSchema(apiSchema);
        },
      };
    },
    async requestDidStart({ request, contextValue }) {
      const checked = contextValue.operation;
      // What the gateway reads to pick the operation: the checked one's name, or none when the
      // document holds that one operation only. "" (or anything else) can no longer differ.
      if (checked) request.operationName = checked.name;
      return {
        // Introspection shows each caller its own schema: executed here, on that schema, never by
        // the gateway (which would answer from the full one). No subgraph is called.
        async responseForOperation({ document, request: { variables } }) {
          if (!checked?.introspection || !schemas) return null;
          const result = await execute({
            schema: schemas.callers.of(contextValue.caller).schema,
            document,
            operationName: checked.name,
            variableValues: variables,
          });
          const errors = result.errors?.map((e) => ({
            ...e.toJSON(),
            extensions: { code: 'BAD_USER_INPUT', ...e.extensions },
          }));
          return {
            http: { status: result.data === undefined && errors ? 400 : undefined, headers: new HeaderMap() },
            body: {
              kind: 'single',
              singleResult: {
                ...(result.data !== undefined ? { data: result.data } : {}),
                ...(errors ? { errors } : {}),
              },
            },
          };
        },
        async didResolveOperation({ operation, source }) {
          const same =
            checked !== undefined &&
            operation !== undefined &&
            operation.name?.value === checked.name &&
            operation.operation === checked.type &&
            source === checked.source;
          if (!same) throw new Error('the operation to execute is not the one the router checked');
        },
      };
    },
  };

  function setSchema(apiSchema: GraphQLSchema) {
    const callers = callerSchemas(apiSchema, security, opts.callerSchemaEntries);
    schemas = { api: apiSchema, pub: callers.of(ANONYMOUS), callers };
    documents.clear();
  }

  return { check, setSchema, middleware, plugin, stats, cacheSize: () => documents.size };
}
