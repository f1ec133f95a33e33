// Lint of the limits a subgraph declares (lib/src/limits-spec.ts): the spec linked at the one URL
// this repository implements, each directive it imports also composed (@composeDirective: without
// it composition drops the directive and the router would enforce nothing), the spec's
// definitions carried word for word, and every @rateLimit / @lockout valid on its field.
import { Kind, print } from 'graphql';
import type {
  ConstDirectiveNode,
  DocumentNode,
  FieldDefinitionNode,
  InputValueDefinitionNode,
  Location,
  TypeNode,
} from 'graphql';
import {
  LIMITS_DIRECTIVES,
  LIMITS_SPEC_DEFINITIONS,
  LIMITS_SPEC_URL,
  argumentPathProblem,
  lockoutOf,
  rateLimitOf,
  type InputSlot,
} from '../../lib/src/limits-spec.ts';

export type LimitsRuleId = 'limits/definition' | 'limits/declaration';

export const LIMITS_LINT_RULES: Record<LimitsRuleId, string> = {
  'limits/definition':
    `A subgraph declaring limits links ${LIMITS_SPEC_URL} importing @rateLimit / @lockout, composes each with ` +
    '@composeDirective, and carries the definitions of lib/src/limits-spec.ts (LIMITS_SPEC_SDL) word for word.',
  'limits/declaration':
    'Every @rateLimit has requests and window of at least 1, and per: ARGUMENT with an argument path the field has; ' +
    'every @lockout is on a Query or Mutation field and names an argument path the field has.',
};

export interface LimitsIssue {
  rule: LimitsRuleId;
  coordinate: string;
  at: { loc?: Location | undefined };
  message: string;
}

const SPEC_URL_FAMILY = /^https:\/\/eventzr\.dev\/limits\/v\d+\.\d+$/;

function stringArg(d: ConstDirectiveNode, name: string): string | undefined {
  const v = d.arguments?.find((a) => a.name.value === name)?.value;
  return v?.kind === Kind.STRING ? v.value : undefined;
}

const namedType = (t: TypeNode): string => (t.kind === Kind.NAMED_TYPE ? t.name.value : namedType(t.type));
const slotsOf = (values: readonly InputValueDefinitionNode[] | undefined): InputSlot[] =>
  (values ?? []).map((v) => ({ name: v.name.value, type: namedType(v.type) }));

/** The issues of one subgraph's SDL (already parsed). */
export function lintDeclaredLimits(document: DocumentNode, roots: ReadonlySet<string>): LimitsIssue[] {
  const issues: LimitsIssue[] = [];
  const report = (rule: LimitsRuleId, coordinate: string, at: { loc?: Location | undefined }, message: string) =>
    issues.push({ rule, coordinate, at, message });

  // The link, its imports and the @composeDirective applications.
  let link: ConstDirectiveNode | undefined;
  const composed = new Set<string>();
  for (const def of document.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const d of def.directives ?? []) {
      if (d.name.value === 'composeDirective' || d.name.value === 'federation__composeDirective') {
        const name = stringArg(d, 'name');
        if (name) composed.add(name.replace(/^@/, ''));
      }
      if (d.name.value !== 'link') continue;
      const url = stringArg(d, 'url');
      if (!url || !SPEC_URL_FAMILY.test(url)) continue;
      link = d;
      if (url !== LIMITS_SPEC_URL)
        report('limits/definition', 'schema', d, `links ${url}: the router implements ${LIMITS_SPEC_URL}`);
      if (d.arguments?.some((a) => a.name.value === 'as'))
        report('limits/definition', 'schema', d, 'links the limits spec under another name (`as:`): use its own names');
    }
  }
  const imported = new Set<string>();
  const importList = link?.arguments?.find((a) => a.name.value === 'import')?.value;
  for (const entry of importList?.kind === Kind.LIST ? importList.values : []) {
    const name = entry.kind === Kind.STRING ? entry.value.replace(/^@/, '') : undefined;
    if (!name || !(LIMITS_DIRECTIVES as readonly string[]).includes(name)) {
      report(
        'limits/definition',
        'schema',
        entry,
        `imports ${print(entry)} from the limits spec: import "@rateLimit" and "@lockout" by their names only`,
      );
      continue;
    }
    imported.add(name);
  }
  for (const name of imported)
    if (!composed.has(name))
      report(
        'limits/definition',
        `@${name}`,
        link!,
        `imports @${name} without @composeDirective(name: "@${name}"): composition would drop it and the router would not enforce it`,
      );

  // The spec's definitions, word for word.
  const defined = new Map<string, { node: { loc?: Location | undefined }; printed: string }>();
  for (const def of document.definitions)
    if ('name' in def && def.name && LIMITS_SPEC_DEFINITIONS.has(def.name.value))
      defined.set(def.name.value, { node: def.name, printed: print(def) });
  if (link)
    for (const [name, canonical] of LIMITS_SPEC_DEFINITIONS) {
      const own = defined.get(name);
      const label = name.includes('__') ? name : `@${name}`;
      if (!own)
        report(
          'limits/definition',
          label,
          link,
          `links the limits spec but does not define ${label}: copy LIMITS_SPEC_SDL (lib/src/limits-spec.ts)`,
        );
      else if (own.printed !== canonical)
        report(
          'limits/definition',
          label,
          own.node,
          `the definition of ${label} differs from lib/src/limits-spec.ts (LIMITS_SPEC_SDL): every subgraph carries it word for word`,
        );
    }

  // Every declaration.
  const inputs = new Map<string, InputSlot[]>();
  for (const def of document.definitions)
    if (def.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION || def.kind === Kind.INPUT_OBJECT_TYPE_EXTENSION)
      inputs.set(def.name.value, [...(inputs.get(def.name.value) ?? []), ...slotsOf(def.fields)]);
  const inputFields = (type: string) => inputs.get(type);
  for (const def of document.definitions) {
    if (!('fields' in def) || def.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) continue;
    if (def.kind === Kind.INPUT_OBJECT_TYPE_EXTENSION) continue;
    for (const field of (def.fields ?? []) as readonly FieldDefinitionNode[]) {
      const coordinate = `${def.name.value}.${field.name.value}`;
      for (const d of field.directives ?? []) {
        const name = d.name.value;
        if (name !== 'rateLimit' && name !== 'lockout') continue;
        if (!link) {
          report('limits/declaration', coordinate, d, `@${name} without linking ${LIMITS_SPEC_URL}`);
          continue;
        }
        const declared = name === 'rateLimit' ? rateLimitOf(d) : lockoutOf(d);
        if (typeof declared === 'string') {
          report('limits/declaration', coordinate, d, `@${name}: ${declared}`);
          continue;
        }
        if (name === 'lockout' && !roots.has(def.name.value))
          report(
            'limits/declaration',
            coordinate,
            d,
            '@lockout belongs on a Query or Mutation field (its outcome is read at the top of the response)',
          );
        if (declared.argument) {
          const problem = argumentPathProblem(declared.argument, slotsOf(field.arguments), inputFields);
          if (problem) report('limits/declaration', coordinate, d, `@${name}: ${problem}`);
        }
      }
    }
  }
  return issues;
}
