// Reads the composed supergraph once at start: where each subgraph lives, which fields layer-1
// authorization guards (@authenticated / @requiresScopes), and the SDL the gateway is handed.
//
// Composition marks those two directives' links `for: SECURITY`. @apollo/gateway refuses any
// SECURITY feature it does not implement itself (it implements none of them: only Apollo's Rust
// router does), so the router enforces them here and hands the gateway the same supergraph with
// that purpose removed from exactly those two links. Any other SECURITY feature (e.g. @policy)
// is refused at start: serving a schema whose security metadata nobody enforces would fail open.
import { readFileSync } from 'node:fs';
import {
  Kind,
  buildASTSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  parse,
  print,
  valueFromASTUntyped,
  visit,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

const AUTHENTICATED_URL = 'https://specs.apollo.dev/authenticated/v0.1';
const REQUIRES_SCOPES_URL = 'https://specs.apollo.dev/requiresScopes/v0.1';
const INACCESSIBLE_URL = 'https://specs.apollo.dev/inaccessible/v0.2';

/** What one field needs from its caller; every listed requirement must hold. */
export interface FieldRequirement {
  authenticated: boolean;
  /**
   * One entry per @requiresScopes that applies (the field's, its parent type's, its return
   * type's). An entry is satisfied when the caller holds ALL scopes of ANY of its inner lists.
   */
  scopes: string[][][];
}

/** "Type.field" → requirement, only for fields that have one. */
export type SecurityMap = ReadonlyMap<string, FieldRequirement>;

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

export interface LoadedSupergraph {
  /** What the gateway loads: URLs overridden, SECURITY purpose removed from the two links. */
  gatewaySdl: string;
  subgraphs: SubgraphEndpoint[];
  security: SecurityMap;
}

export class SupergraphError extends Error {
  constructor(message: string) {
    super(`Invalid supergraph: ${message}`);
    this.name = 'SupergraphError';
  }
}

export function readSupergraphFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new SupergraphError(
      `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}); run \`npm run schema:compose\``,
    );
  }
}

interface LinkInfo {
  node: ConstDirectiveNode;
  url: string;
  /** The name the feature's directives carry in this schema (`as:` or the spec's name). */
  name: string;
  purpose: string | undefined;
}

function argument(node: ConstDirectiveNode, name: string): unknown {
  const arg = node.arguments?.find((a) => a.name.value === name);
  return arg ? valueFromASTUntyped(arg.value) : undefined;
}

function linksOf(doc: DocumentNode): LinkInfo[] {
  const links: LinkInfo[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const d of def.directives ?? []) {
      if (d.name.value !== 'link') continue;
      const url = argument(d, 'url');
      if (typeof url !== 'string') continue;
      const as = argument(d, 'as');
      const specName = /\/([^/]+)\/v\d+\.\d+$/.exec(url)?.[1] ?? url;
      // `for:` is an enum literal; valueFromASTUntyped returns its name.
      const purpose = argument(d, 'for');
      links.push({
        node: d,
        url,
        name: typeof as === 'string' ? as : specName,
        purpose: typeof purpose === 'string' ? purpose : undefined,
      });
    }
  }
  return links;
}

function parseScopes(node: ConstDirectiveNode, where: string): string[][] {
  const value = argument(node, 'scopes');
  const valid =
    Array.isArray(value) &&
    value.every((inner) => Array.isArray(inner) && inner.every((s) => typeof s === 'string' && s.length > 0));
  if (!valid) throw new SupergraphError(`@${node.name.value} on ${where} needs scopes: [[String!]!]!`);
  return value as string[][];
}

function directivesOf(type: {
  astNode?: { directives?: readonly ConstDirectiveNode[] } | null | undefined;
  extensionASTNodes?: readonly { directives?: readonly ConstDirectiveNode[] }[];
}): ConstDirectiveNode[] {
  return [...(type.astNode?.directives ?? []), ...(type.extensionASTNodes ?? []).flatMap((e) => e.directives ?? [])];
}

/** Builds the layer-1 map from a supergraph schema whose security directives are named as given. */
export function securityMapOf(
  schema: GraphQLSchema,
  names: { authenticated?: string; requiresScopes?: string },
): SecurityMap {
  const own = (directives: readonly ConstDirectiveNode[], where: string): FieldRequirement => {
    const req: FieldRequirement = { authenticated: false, scopes: [] };
    for (const d of directives) {
      if (names.authenticated && d.name.value === names.authenticated) req.authenticated = true;
      if (names.requiresScopes && d.name.value === names.requiresScopes) req.scopes.push(parseScopes(d, where));
    }
    return req;
  };
  const typeReqCache = new Map<string, FieldRequirement>();
  const typeReq = (t: GraphQLNamedType): FieldRequirement => {
    let r = typeReqCache.get(t.name);
    if (!r) typeReqCache.set(t.name, (r = own(directivesOf(t), t.name)));
    return r;
  };
  const merge = (into: FieldRequirement, from: FieldRequirement) => {
    into.authenticated ||= from.authenticated;
    for (const s of from.scopes)
      if (!into.scopes.some((x) => JSON.stringify(x) === JSON.stringify(s))) into.scopes.push(s);
  };
  const fieldOwn = (t: GraphQLNamedType, fieldName: string): FieldRequirement => {
    const req: FieldRequirement = { authenticated: false, scopes: [] };
    if (!isObjectType(t) && !isInterfaceType(t)) return req;
    const field = t.getFields()[fieldName];
    if (!field) return req;
    merge(req, own(field.astNode?.directives ?? [], `${t.name}.${fieldName}`));
    merge(req, typeReq(t));
    merge(req, typeReq(getNamedType(field.type)));
    return req;
  };

  const map = new Map<string, FieldRequirement>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || (!isObjectType(type) && !isInterfaceType(type))) continue;
    // A field selected through an interface may resolve on any implementation: it needs what
    // each implementation's field needs.
    const implementations = isInterfaceType(type) ? schema.getPossibleTypes(type) : [];
    for (const fieldName of Object.keys(type.getFields())) {
      const req = fieldOwn(type, fieldName);
      for (const impl of implementations) merge(req, fieldOwn(impl, fieldName));
      if (req.authenticated || req.scopes.length > 0) map.set(`${type.name}.${fieldName}`, req);
    }
  }
  return map;
}

/**
 * Parses a supergraph, applies subgraph URL overrides (by subgraph name), and returns what the
 * gateway loads plus the layer-1 map. Throws SupergraphError with the reason when it cannot.
 */
export function loadSupergraph(
  sdl: string,
  urlOverrides: Readonly<Record<string, string | undefined>> = {},
): LoadedSupergraph {
  let doc: DocumentNode;
  try {
    doc = parse(sdl);
  } catch (err) {
    throw new SupergraphError((err as Error).message);
  }
  const links = linksOf(doc);
  const join = links.find((l) => /^https:\/\/specs\.apollo\.dev\/join\/v\d+\.\d+$/.test(l.url));
  if (!join) throw new SupergraphError('it does not link the join spec (is this a composed supergraph?)');

  const enforced = new Map<string, LinkInfo>();
  for (const link of links) {
    if (link.purpose !== 'SECURITY') continue;
    // @inaccessible is enforced by @apollo/gateway itself: the API schema it serves (and validates
    // every operation against) leaves inaccessible elements out, so no client can select them.
    if (link.url === INACCESSIBLE_URL) continue;
    if (link.url !== AUTHENTICATED_URL && link.url !== REQUIRES_SCOPES_URL)
      throw new SupergraphError(`security feature ${link.url} is not enforced by this router`);
    enforced.set(link.url, link);
  }
  const names = {
    authenticated: links.find((l) => l.url === AUTHENTICATED_URL)?.name,
    requiresScopes: links.find((l) => l.url === REQUIRES_SCOPES_URL)?.name,
  };

  const graphDirective = `${join.name}__graph`;
  const subgraphs: SubgraphEndpoint[] = [];
  const rewritten = visit(doc, {
    Directive(node) {
      if ([...enforced.values()].some((l) => l.node === node)) {
        return { ...node, arguments: node.arguments?.filter((a) => a.name.value !== 'for') };
      }
      if (node.name.value !== graphDirective) return undefined;
      const name = argument(node as ConstDirectiveNode, 'name');
      const url = argument(node as ConstDirectiveNode, 'url');
      if (typeof name !== 'string') throw new SupergraphError(`@${graphDirective} without a name`);
      const override = urlOverrides[name];
      const finalUrl = override ?? (typeof url === 'string' ? url : undefined);
      if (!finalUrl) throw new SupergraphError(`subgraph "${name}" has no URL and none is configured`);
      subgraphs.push({ name, url: finalUrl });
      if (override === undefined) return undefined;
      return {
        ...node,
        arguments: node.arguments?.map((a) =>
          a.name.value === 'url' ? { ...a, value: { kind: Kind.STRING, value: override } } : a,
        ),
      };
    },
  });
  if (subgraphs.length === 0) throw new SupergraphError('it declares no subgraph');
  // A URL for a subgraph the supergraph lacks is a typo or a stale setting: say so rather than ignore it.
  const unknown = Object.keys(urlOverrides).filter(
    (name) => urlOverrides[name] !== undefined && !subgraphs.some((s) => s.name === name),
  );
  if (unknown.length > 0)
    throw new SupergraphError(
      `a URL is configured for ${unknown.map((n) => `"${n}"`).join(', ')}, which it does not declare (its subgraphs: ${subgraphs
        .map((s) => s.name)
        .join(', ')})`,
    );

  let schema: GraphQLSchema;
  try {
    schema = buildASTSchema(doc, { assumeValidSDL: true });
  } catch (err) {
    throw new SupergraphError((err as Error).message);
  }
  return { gatewaySdl: print(rewritten), subgraphs, security: securityMapOf(schema, names) };
}
