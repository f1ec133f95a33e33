// "Returns what it selects": every field an operation selects is present in the response, at
// every level and in every list element (a field may be null only where the test allows it).
import { Kind, parse, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export function missingSelections(query: string, data: unknown): string[] {
  const doc = parse(query);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!op) return ['no operation'];
  const missing: string[] = [];
  const walk = (set: SelectionSetNode, value: unknown, path: string) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(set, v, `${path}[${i}]`));
      return;
    }
    for (const sel of set.selections) {
      if (sel.kind !== Kind.FIELD) continue;
      const key = sel.alias?.value ?? sel.name.value;
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) missing.push(`${path}.${key}`);
      else if (sel.selectionSet) walk(sel.selectionSet, v, `${path}.${key}`);
    }
  };
  walk(op.selectionSet, data, 'data');
  return missing;
}

/** Selected fields that came back null, for operations whose every field should be filled. */
export function nullSelections(query: string, data: unknown, allowNull: string[] = []): string[] {
  const doc = parse(query);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const out: string[] = [];
  const walk = (set: SelectionSetNode, value: unknown, path: string) => {
    if (Array.isArray(value)) return value.forEach((v) => walk(set, v, path));
    if (value === null || typeof value !== 'object') return;
    for (const sel of set.selections) {
      if (sel.kind !== Kind.FIELD) continue;
      const key = sel.alias?.value ?? sel.name.value;
      const v = (value as Record<string, unknown>)[key];
      const p = `${path}.${key}`;
      if (v === null && !allowNull.includes(key)) out.push(p);
      else if (sel.selectionSet) walk(sel.selectionSet, v, p);
    }
  };
  walk(op.selectionSet, data, 'data');
  return out;
}
