// Checks that a subgraph's two authorization layers say the same thing: the SDL's access
// directives (enforced by the router) and its shield tree (enforced by the subgraph). A subgraph
// test calls authzDisagreements(typeDefs, permissions) and expects an empty list.
import { Kind, parse, type DocumentNode, type FieldDefinitionNode } from 'graphql';
import { allow } from 'graphql-shield';
import { PUBLIC_ROOT_FIELDS } from './public.ts';

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);
/** Added by @apollo/subgraph, not written in the SDL; lib/shield federationRules covers them. */
const FEDERATION_FIELDS = new Set(['_service', '_entities']);
const ACCESS_DIRECTIVES = new Set([
  'authenticated',
  'requiresScopes',
  'federation__authenticated',
  'federation__requiresScopes',
]);

const isAllow = (rule: unknown) =>
  rule === allow || (typeof rule === 'object' && rule !== null && rule.constructor?.name === 'RuleTrue');

/**
 * Disagreements, one sentence each:
 * - a root field with @authenticated / @requiresScopes must have a tree rule other than allow;
 * - a root field without them is public: it must be one of `publicFields` and be allowed by the tree;
 * - a public field must carry no access directive;
 * - the tree must not name root fields the SDL lacks, nor allow `_entities`.
 */
export function authzDisagreements(
  typeDefs: DocumentNode | string,
  tree: Record<string, Record<string, unknown>>,
  publicFields: Record<string, readonly string[]> = PUBLIC_ROOT_FIELDS,
): string[] {
  const doc = typeof typeDefs === 'string' ? parse(typeDefs) : typeDefs;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const type = def.name.value;
    if (!ROOT_TYPES.has(type)) continue;
    for (const field of (def.fields ?? []) as readonly FieldDefinitionNode[]) {
      const name = `${type}.${field.name.value}`;
      seen.add(name);
      const guarded = (field.directives ?? []).some((d) => ACCESS_DIRECTIVES.has(d.name.value));
      const isPublic = publicFields[type]?.includes(field.name.value) ?? false;
      const rule = tree[type]?.[field.name.value];
      if (rule === undefined) problems.push(`${name}: no rule in the permission tree`);
      if (guarded) {
        if (isPublic) problems.push(`${name}: a public field must carry no @authenticated/@requiresScopes`);
        if (rule !== undefined && isAllow(rule))
          problems.push(`${name}: the SDL requires access but the tree allows anyone`);
      } else {
        if (!isPublic) problems.push(`${name}: no @authenticated/@requiresScopes and not a public field`);
        else if (rule !== undefined && !isAllow(rule))
          problems.push(`${name}: public in the SDL but the tree does not allow it`);
      }
    }
  }
  for (const [type, fields] of Object.entries(tree)) {
    if (!ROOT_TYPES.has(type)) continue;
    for (const [field, rule] of Object.entries(fields)) {
      if (FEDERATION_FIELDS.has(field)) {
        if (field === '_entities' && isAllow(rule))
          problems.push(`${type}._entities: must not be open to anonymous callers`);
        continue;
      }
      if (!seen.has(`${type}.${field}`)) problems.push(`${type}.${field}: in the permission tree but not in the SDL`);
    }
  }
  return problems;
}
