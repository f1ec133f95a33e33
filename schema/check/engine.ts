// The schema check a registry would run on a subgraph change, self-contained: given the subgraphs'
// SDL (and shield trees), the committed artifacts, the base supergraph, the registered operations
// and the recorded approvals, it answers with a report whose `ok` decides the CI step. It reads no
// file itself (schema/check.ts gathers the inputs), so tests run it on fixture subgraphs.
import { Supergraph } from '@apollo/federation-internals';
import { diff, CriticalityLevel, type Change } from '@graphql-inspector/core';
import { buildSchema, isObjectType, OperationTypeNode, printSchema, type GraphQLSchema } from 'graphql';
import { authzDisagreements, referenceDisagreements, sdlTypes } from '../../lib/src/authz-check.ts';
import { rulesOf, type Rule } from '../../lib/src/shield.ts';
import {
  accessManifest,
  FALLBACK_DENY,
  parseAccess,
  referenceCoordinate,
  roleTable,
  printRequirement,
  printRule,
  requirementImplies,
  routerRequirements,
  ruleImplies,
  type AccessManifest,
  type RuleDescription,
  type ShieldTree,
} from '../access.ts';
import { composeSubgraphs, printAccess, type Diagnostic, type Location, type SubgraphInput } from '../compose.ts';
import { readApprovals, type Approval } from './approvals.ts';
import { lintSubgraph, type LintIssue } from './lint.ts';
import { readRegistry, usageOf, validateOperation, type RegisteredOperation, type RegistryFile } from './operations.ts';

export type { ShieldTree };

/** The version a change is compared with. */
export interface Base {
  label: string;
  supergraph?: string;
  access?: string;
}

export interface Artifact {
  /** Repository-relative path. */
  path: string;
  fresh: string;
  committed: string | undefined;
  /** The command that rewrites it. */
  fix: string;
}

export interface CheckInput {
  subgraphs: readonly SubgraphInput[];
  /** Each subgraph's shield tree; a subgraph without one is checked on its SDL alone. */
  trees?: Readonly<Record<string, ShieldTree>>;
  /** The committed schema/supergraph.graphql, api.graphql and access.json (undefined: missing). */
  committed: { supergraph?: string; api?: string; access?: string };
  /** Other generated files, each with what its generator writes now (codegen output). */
  generated?: readonly Artifact[];
  /**
   * What the change is compared with; absent when there is no earlier version. A function is
   * given what composition writes now (the default base is the newest version differing from it).
   */
  base?: Base | ((fresh: { supergraph: string; access?: string }) => Base | undefined);
  registry: readonly RegistryFile[];
  /** schema/approvals.yaml as text (undefined: no file). */
  approvals?: string;
  /** The role → permission table (default: lib/src/permissions.ts's, as access.json records it). */
  roles?: Record<string, string[]>;
}

export type Level = 'breaking' | 'dangerous' | 'safe';
export type Verdict = 'error' | 'warning' | 'ok';

export interface AffectedOperation {
  client: string;
  operation: string;
  file: string;
}

export interface SchemaChange {
  /** Stable id an approval names: TYPE:coordinate. */
  id: string;
  type: string;
  level: Level;
  /** schema (the API), router (access directives) or subgraph (shield rules). */
  layer: 'schema' | 'router' | 'subgraph' | 'roles';
  message: string;
  path?: string;
  affected: AffectedOperation[];
  verdict: Verdict;
  /** Why the verdict, in a sentence. */
  why: string;
  approval?: Approval;
}

export type CheckId =
  | 'composition'
  | 'stale'
  | 'codegen'
  | 'registry'
  | 'operations'
  | 'breaking-change'
  | 'authorization'
  | 'lint'
  | 'approvals'
  | 'base';

export interface Problem {
  check: CheckId;
  message: string;
  locations?: Location[];
}

export interface CheckReport {
  ok: boolean;
  subgraphs: string[];
  base?: string;
  composition: { ok: boolean; errors: Diagnostic[]; hints: Diagnostic[] };
  files: { path: string; status: 'up to date' | 'stale' | 'missing'; fix: string }[];
  operations: {
    clients: Record<string, number>;
    invalid: (AffectedOperation & { errors: string[] })[];
  };
  changes: SchemaChange[];
  lint: LintIssue[];
  errors: Problem[];
  warnings: Problem[];
}

const LEVEL: Record<CriticalityLevel, Level> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

/** Changes that add a requirement to something that exists: they break whoever uses the parent. */
const BREAKS_USERS_OF_PARENT = new Set(['FIELD_ARGUMENT_ADDED', 'INPUT_FIELD_ADDED', 'DIRECTIVE_ARGUMENT_ADDED']);

export function apiSchemaOfSupergraph(supergraphSdl: string): GraphQLSchema {
  // Features are checked by the router that serves a supergraph, not by a diff of its API.
  const supergraph = Supergraph.build(supergraphSdl, { supportedFeatures: null });
  return buildSchema(printSchema(supergraph.apiSchema().toGraphQLJSSchema()));
}

/** "Type.field" of every object type field a subgraph SDL defines or extends. */
function fieldsOf(sdl: string): Set<string> {
  const schema = buildSchema(sdl, { assumeValidSDL: true });
  const out = new Set<string>();
  for (const t of Object.values(schema.getTypeMap()))
    if (isObjectType(t) && !t.name.startsWith('__'))
      for (const f of Object.keys(t.getFields())) out.add(`${t.name}.${f}`);
  return out;
}

export async function runSchemaCheck(input: CheckInput): Promise<CheckReport> {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const report: CheckReport = {
    ok: false,
    subgraphs: input.subgraphs.map((s) => s.name),
    composition: { ok: false, errors: [], hints: [] },
    files: [],
    operations: { clients: {}, invalid: [] },
    changes: [],
    lint: [],
    errors,
    warnings,
  };
  const finish = () => {
    report.ok = errors.length === 0;
    return report;
  };

  // 1. Composition.
  const composition = composeSubgraphs(input.subgraphs);
  report.composition = { ok: composition.errors.length === 0, errors: composition.errors, hints: composition.hints };
  for (const e of composition.errors)
    errors.push({ check: 'composition', message: `${e.code}: ${e.message}`, locations: e.locations });

  // Lint runs on every subgraph that parses, whether or not composition succeeded.
  for (const s of input.subgraphs) {
    try {
      report.lint.push(...lintSubgraph(s.name, s.sdl));
    } catch {
      /* a syntax error: composition already reported it with its location */
    }
  }
  for (const l of report.lint)
    errors.push({
      check: 'lint',
      message: `${l.rule} ${l.coordinate}: ${l.message}`,
      locations: [{ subgraph: l.subgraph, file: fileOf(input, l.subgraph), line: l.line, column: l.column }],
    });

  // Each subgraph's two authorization layers must agree (lib/authz-check: root fields, non-root
  // fields, entity references), the references one subgraph hands another must declare what the
  // resolving subgraph requires, and every permission of the role table must guard something.
  const trees = input.trees ?? {};
  const roles = input.roles ?? roleTable();
  const withTrees: { name: string; sdl: string; tree: ShieldTree }[] = [];
  for (const s of input.subgraphs) {
    const tree = trees[s.name];
    if (!tree) continue;
    try {
      for (const p of authzDisagreements(s.sdl, tree))
        errors.push({ check: 'authorization', message: `${s.name}: ${p}` });
      withTrees.push({ name: s.name, sdl: s.sdl, tree });
    } catch {
      /* unparsable SDL: reported by composition */
    }
  }
  for (const p of referenceDisagreements(withTrees)) errors.push({ check: 'authorization', message: p });
  if (input.trees)
    for (const p of unguardingPermissions(roles, withTrees))
      errors.push({
        check: 'authorization',
        message: `permission ${p} guards nothing (no rule or @requiresScopes uses it): use it or remove it from the role table (lib/src/permissions.ts)`,
      });

  const { approvals, problems: approvalProblems } = readApprovals(input.approvals);
  for (const p of approvalProblems) errors.push({ check: 'approvals', message: `schema/approvals.yaml: ${p}` });

  const { operations, problems: registryProblems } = readRegistry(input.registry);
  for (const p of registryProblems)
    errors.push({
      check: 'registry',
      message: p.message,
      locations: [{ file: p.file, line: p.line ?? 1, column: 1 }],
    });
  for (const op of operations) report.operations.clients[op.client] = (report.operations.clients[op.client] ?? 0) + 1;

  if (!composition.supergraphSdl || !composition.apiSdl) return finish();

  // 2. Committed artifacts equal what composition and codegen write now.
  let freshAccess: AccessManifest | undefined;
  try {
    if (input.trees) freshAccess = accessManifest(input.subgraphs, input.trees, roles);
  } catch (err) {
    errors.push({ check: 'authorization', message: (err as Error).message });
  }
  const artifacts: Artifact[] = [
    {
      path: 'schema/supergraph.graphql',
      fresh: composition.supergraphSdl,
      committed: input.committed.supergraph,
      fix: 'npm run schema:compose',
    },
    {
      path: 'schema/api.graphql',
      fresh: composition.apiSdl,
      committed: input.committed.api,
      fix: 'npm run schema:compose',
    },
    ...(freshAccess
      ? [
          {
            path: 'schema/access.json',
            fresh: printAccess(freshAccess),
            committed: input.committed.access,
            fix: 'npm run schema:compose',
          },
        ]
      : []),
    ...(input.generated ?? []),
  ];
  for (const a of artifacts) {
    const status = a.committed === undefined ? 'missing' : a.committed === a.fresh ? 'up to date' : 'stale';
    report.files.push({ path: a.path, status, fix: a.fix });
    if (status !== 'up to date')
      errors.push({ check: 'stale', message: `${a.path} is ${status}: run \`${a.fix}\` and commit the result` });
  }

  // 3. Every registered operation validates against the new API schema.
  const api = buildSchema(composition.apiSdl);
  for (const op of operations) {
    const problems = validateOperation(api, op);
    if (problems.length === 0) continue;
    report.operations.invalid.push({ ...affected(op), errors: problems });
    for (const p of problems)
      // The message ends with the error's own file:line:column in the registry.
      errors.push({ check: 'operations', message: `${op.client} ${op.name} no longer validates: ${p}` });
  }

  // 4. What changed since the base, and who it breaks.
  const base =
    typeof input.base === 'function'
      ? input.base({
          supergraph: composition.supergraphSdl,
          ...(freshAccess ? { access: printAccess(freshAccess) } : {}),
        })
      : input.base;
  if (base) report.base = base.label;
  if (base?.supergraph !== undefined) {
    let baseApi: GraphQLSchema | undefined;
    try {
      baseApi = apiSchemaOfSupergraph(base.supergraph);
    } catch (err) {
      errors.push({
        check: 'base',
        message: `the base supergraph (${base.label}) is unreadable: ${(err as Error).message}`,
      });
    }
    if (baseApi) {
      const usage = new Map(operations.map((op) => [op, usageOf(baseApi, op)]));
      const users = (path: string | undefined, parentOnly: boolean) =>
        operations
          .filter((op) => {
            if (path === undefined) return true;
            const dot = path.lastIndexOf('.');
            const key = parentOnly && dot > 0 ? path.slice(0, dot) : path;
            return usage.get(op)!.has(key);
          })
          .map(affected);
      for (const c of await diff(baseApi, api)) report.changes.push(schemaChange(c, users));
      report.changes.push(...routerAuthzChanges(base.supergraph, composition.supergraphSdl, api, users));
      report.changes.push(...publicFieldsAdded(baseApi, api, composition.supergraphSdl));
    }
  }
  if (base?.access !== undefined && freshAccess) {
    let baseAccess: ReturnType<typeof parseAccess> | undefined;
    try {
      baseAccess = parseAccess(base.access);
    } catch (err) {
      errors.push({ check: 'base', message: `the base access.json is not JSON: ${(err as Error).message}` });
    }
    if (baseAccess) {
      report.changes.push(...shieldChanges(baseAccess.subgraphs, freshAccess.subgraphs, input.subgraphs));
      if (baseAccess.roles) report.changes.push(...roleChanges(baseAccess.roles, freshAccess.roles));
    }
  }

  const approved = new Map(approvals.map((a) => [a.change, a]));
  for (const c of report.changes) {
    const approval = approved.get(c.id);
    if (approval && c.verdict !== 'ok') {
      c.approval = approval;
      c.verdict = 'ok';
      c.why = `approved by ${approval.approvedBy}: ${approval.reason}`;
    }
    const check = c.layer === 'schema' ? 'breaking-change' : 'authorization';
    const message = `${c.id}: ${c.message} (${c.why})`;
    if (c.verdict === 'error') errors.push({ check, message });
    if (c.verdict === 'warning') warnings.push({ check, message });
  }
  if (base)
    for (const a of approvals)
      if (!report.changes.some((c) => c.id === a.change))
        warnings.push({
          check: 'approvals',
          message: `approval of ${a.change} matches no change: remove it from schema/approvals.yaml`,
        });

  return finish();
}

function fileOf(input: CheckInput, subgraph: string): string {
  return input.subgraphs.find((s) => s.name === subgraph)?.file ?? subgraph;
}

const affected = (op: RegisteredOperation): AffectedOperation => ({
  client: op.client,
  operation: op.name,
  file: op.file,
});

type Users = (path: string | undefined, parentOnly: boolean) => AffectedOperation[];

const usedBy = (ops: AffectedOperation[]) =>
  [...new Set(ops.map((o) => o.client))]
    .map(
      (client) =>
        `${client} (${ops
          .filter((o) => o.client === client)
          .map((o) => o.operation)
          .join(', ')})`,
    )
    .join('; ');

/**
 * Whether a change breaks whoever uses the parent of its path (the field an argument belongs to,
 * the input type a field belongs to) rather than only who uses the path itself: a new required
 * argument or input field, or one that became required, breaks every caller that leaves it out.
 */
function breaksParentUsers(c: Change): boolean {
  if (BREAKS_USERS_OF_PARENT.has(c.type)) return true;
  const meta = c.meta as Record<string, unknown>;
  const [was, is] =
    c.type === 'FIELD_ARGUMENT_TYPE_CHANGED'
      ? [meta.oldArgumentType, meta.newArgumentType]
      : c.type === 'INPUT_FIELD_TYPE_CHANGED'
        ? [meta.oldInputFieldType, meta.newInputFieldType]
        : [undefined, undefined];
  return typeof was === 'string' && typeof is === 'string' && is.endsWith('!') && !was.endsWith('!');
}

function schemaChange(c: Change, users: Users): SchemaChange {
  const level = LEVEL[c.criticality.level];
  const ops = level === 'safe' ? [] : users(c.path, breaksParentUsers(c));
  const base = {
    id: `${c.type}:${c.path ?? '(schema)'}`,
    type: c.type,
    level,
    layer: 'schema' as const,
    message: c.message,
    ...(c.path ? { path: c.path } : {}),
    affected: ops,
  };
  if (level === 'breaking')
    return ops.length > 0
      ? { ...base, verdict: 'error', why: `breaks registered operations of ${usedBy(ops)}` }
      : { ...base, verdict: 'warning', why: `breaking, but no registered operation uses ${c.path ?? 'it'}` };
  if (level === 'dangerous')
    return { ...base, verdict: 'warning', why: `dangerous: ${c.criticality.reason ?? c.message}` };
  return { ...base, verdict: 'ok', why: 'safe' };
}

/** Layer 1: @authenticated / @requiresScopes as the router reads them, field by field. */
function routerAuthzChanges(baseSdl: string, freshSdl: string, api: GraphQLSchema, users: Users): SchemaChange[] {
  let before: ReturnType<typeof routerRequirements>;
  let after: ReturnType<typeof routerRequirements>;
  try {
    before = routerRequirements(baseSdl);
    after = routerRequirements(freshSdl);
  } catch (err) {
    return [
      {
        id: 'AUTHZ_UNREADABLE:(supergraph)',
        type: 'AUTHZ_UNREADABLE',
        level: 'breaking',
        layer: 'router',
        message: (err as Error).message,
        affected: [],
        verdict: 'error',
        why: `the router could not read the access directives: ${(err as Error).message}`,
      },
    ];
  }
  const out: SchemaChange[] = [];
  const exists = (coordinate: string) => {
    const [type, field] = coordinate.split('.') as [string, string];
    const t = api.getType(type);
    return isObjectType(t) && field in t.getFields();
  };
  for (const coordinate of new Set([...before.keys(), ...after.keys()])) {
    if (!exists(coordinate)) continue; // removed: the schema diff reports it
    const [old, now] = [before.get(coordinate), after.get(coordinate)];
    const message = `access of ${coordinate} changed from ${printRequirement(old)} to ${printRequirement(now)}`;
    const ops = users(coordinate, false);
    if (!requirementImplies(now, old))
      out.push({
        id: `AUTHZ_DIRECTIVE_WEAKENED:${coordinate}`,
        type: 'AUTHZ_DIRECTIVE_WEAKENED',
        level: 'breaking',
        layer: 'router',
        message,
        path: coordinate,
        affected: ops,
        verdict: 'error',
        why: 'callers the router refused before now reach the subgraph',
      });
    else if (!requirementImplies(old, now) && old !== undefined)
      out.push({
        id: `AUTHZ_DIRECTIVE_TIGHTENED:${coordinate}`,
        type: 'AUTHZ_DIRECTIVE_TIGHTENED',
        level: 'dangerous',
        layer: 'router',
        message,
        path: coordinate,
        affected: ops,
        verdict: 'warning',
        why: 'callers allowed before may now be refused',
      });
  }
  return out;
}

/** Layer 2: each subgraph's rule per field and per entity reference. */
function shieldChanges(
  before: AccessManifest['subgraphs'],
  after: AccessManifest['subgraphs'],
  subgraphs: readonly SubgraphInput[],
): SchemaChange[] {
  const out: SchemaChange[] = [];
  for (const s of subgraphs) {
    const [old, now] = [before[s.name], after[s.name]];
    if (!old || !now) continue;
    let fields: Set<string>;
    try {
      fields = fieldsOf(s.sdl);
      for (const t of sdlTypes(s.sdl).values()) if (t.resolvableEntity) fields.add(referenceCoordinate(t.name));
    } catch {
      continue;
    }
    const change = (coordinate: string, type: string, level: Level, message: string, why: string): SchemaChange => ({
      id: `${type}:${s.name}/${coordinate}`,
      type,
      level,
      layer: 'subgraph',
      message,
      path: coordinate,
      affected: [],
      verdict: level === 'breaking' ? 'error' : 'warning',
      why,
    });
    for (const coordinate of new Set([...Object.keys(old), ...Object.keys(now)])) {
      if (!fields.has(coordinate)) continue;
      const [was, is] = [old[coordinate], now[coordinate]] as [
        RuleDescription | undefined,
        RuleDescription | undefined,
      ];
      if (was !== undefined && JSON.stringify(was) === JSON.stringify(is)) continue;
      // The same rule written differently (e.g. and(a, b) became and(b, a)): no change.
      if (was !== undefined && is !== undefined && ruleImplies(is, was) && ruleImplies(was, is)) continue;
      const where = `${s.name} ${coordinate}`;
      if (was !== undefined && (is === undefined || (is === FALLBACK_DENY && was !== FALLBACK_DENY)))
        out.push(
          change(
            coordinate,
            'AUTHZ_RULE_REMOVED',
            'breaking',
            `${where} lost its shield rule ${printRule(was)}`,
            is === undefined ? 'anyone who reaches it now reads it' : 'denied to everyone now (the fallback)',
          ),
        );
      else if (was === undefined && is !== undefined)
        out.push(
          change(
            coordinate,
            'AUTHZ_RULE_ADDED',
            'dangerous',
            `${where} gained the shield rule ${printRule(is)}`,
            'callers allowed before may now be refused',
          ),
        );
      else if (was !== undefined && is !== undefined && !ruleImplies(is, was))
        out.push(
          change(
            coordinate,
            'AUTHZ_RULE_WEAKENED',
            'breaking',
            `${where}: shield rule ${printRule(was)} became ${printRule(is)}`,
            'the new rule is not shown to refuse everyone the old one refused',
          ),
        );
      else if (was !== undefined && is !== undefined)
        out.push(
          change(
            coordinate,
            'AUTHZ_RULE_TIGHTENED',
            'dangerous',
            `${where}: shield rule ${printRule(was)} became ${printRule(is)}`,
            'stricter: callers allowed before may now be refused',
          ),
        );
    }
  }
  return out;
}

/** Every permission of the role table that no rule checks and no subgraph's @requiresScopes names. */
function unguardingPermissions(
  roles: Record<string, string[]>,
  subgraphs: readonly { sdl: string; tree: ShieldTree }[],
): string[] {
  const used = new Set<string>();
  const walk = (r: Rule) => {
    for (const p of r.permissions) used.add(p);
    r.rules.forEach(walk);
  };
  for (const s of subgraphs) {
    for (const [, rule] of rulesOf(s.tree)) walk(rule);
    for (const t of sdlTypes(s.sdl).values())
      for (const req of [t.requirement, ...t.fields.values()])
        for (const alts of req.scopes) for (const all of alts) for (const p of all) used.add(p);
  }
  return [...new Set(Object.values(roles).flat())].filter((p) => !used.has(p)).sort();
}

/**
 * The role table: a permission granted to a role that did not hold it lets its holders through
 * everything the permission guards (breaking, needs an approval); a withdrawn one may refuse
 * callers allowed before; a permission new to the table guards only what is new with it.
 */
function roleChanges(before: Record<string, string[]>, after: Record<string, string[]>): SchemaChange[] {
  const known = new Set(Object.values(before).flat());
  const out: SchemaChange[] = [];
  const change = (type: string, level: Level, role: string, permission: string, message: string, why: string) =>
    out.push({
      id: `${type}:${role}/${permission}`,
      type,
      level,
      layer: 'roles',
      message,
      affected: [],
      verdict: level === 'breaking' ? 'error' : 'warning',
      why,
    });
  for (const role of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const [was, is] = [new Set(before[role] ?? []), new Set(after[role] ?? [])];
    for (const p of is) {
      if (was.has(p)) continue;
      if (known.has(p))
        change(
          'AUTHZ_GRANT_ADDED',
          'breaking',
          role,
          p,
          `role ${role} now holds ${p}`,
          `every ${role} now passes what ${p} guards`,
        );
      else
        change(
          'AUTHZ_PERMISSION_ADDED',
          'dangerous',
          role,
          p,
          `new permission ${p} granted to ${role}`,
          'a new permission',
        );
    }
    for (const p of was)
      if (!is.has(p))
        change(
          'AUTHZ_GRANT_REMOVED',
          'dangerous',
          role,
          p,
          `role ${role} no longer holds ${p}`,
          `callers with the role ${role} may now be refused`,
        );
  }
  return out;
}

/**
 * A new root field without @authenticated / @requiresScopes is public: anyone may call it without
 * a token. That is a decision (seed 004's public endpoints), never a default: it needs an approval.
 */
function publicFieldsAdded(baseApi: GraphQLSchema, api: GraphQLSchema, supergraphSdl: string): SchemaChange[] {
  const security = routerRequirements(supergraphSdl);
  const out: SchemaChange[] = [];
  for (const kind of [OperationTypeNode.QUERY, OperationTypeNode.MUTATION, OperationTypeNode.SUBSCRIPTION]) {
    const root = api.getRootType(kind);
    if (!root) continue;
    const old = baseApi.getRootType(kind)?.getFields() ?? {};
    for (const field of Object.keys(root.getFields())) {
      const coordinate = `${root.name}.${field}`;
      if (field in old || security.has(coordinate)) continue;
      out.push({
        id: `AUTHZ_PUBLIC_FIELD_ADDED:${coordinate}`,
        type: 'AUTHZ_PUBLIC_FIELD_ADDED',
        level: 'breaking',
        layer: 'router',
        message: `${coordinate} is new and public: it carries no @authenticated or @requiresScopes`,
        path: coordinate,
        affected: [],
        verdict: 'error',
        why: 'anyone may call it without a token; approve it if it is a public endpoint on purpose',
      });
    }
  }
  return out;
}
