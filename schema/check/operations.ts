// The operation registry (read by lib/operations) as the schema check uses it: registered
// operations must validate against every new API schema, and a breaking change fails when one of
// them uses what it changes; `usageOf` lists the schema coordinates an operation depends on, in the
// path format @graphql-inspector reports changes with (`Type`, `Type.field`, `Type.field.argument`,
// `Input.field`, `Enum.VALUE`).
import {
  Kind,
  TypeInfo,
  getNamedType,
  isEnumType,
  isInputObjectType,
  validate,
  visit,
  visitWithTypeInfo,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import type { RegisteredOperation } from '../../lib/src/operations.ts';

export {
  readOperationRegistry as readRegistry,
  registryFiles,
  type RegisteredOperation,
  type RegistryFile,
  type RegistryProblem,
} from '../../lib/src/operations.ts';

/** Validation errors of one operation against an API schema, one message each. */
export function validateOperation(schema: GraphQLSchema, op: RegisteredOperation): string[] {
  return validate(schema, op.document).map((e) => {
    const loc = e.locations?.[0];
    // Locations count from the registry file's first line, as the parse did.
    return loc ? `${e.message} (${op.file}:${loc.line}:${loc.column})` : e.message;
  });
}

/**
 * Every schema coordinate the operation depends on, resolved against `schema` (the base, where
 * the operation is valid). Conservative where a client's data decides: a variable of an input
 * type may carry any of its fields, and an enum the operation receives may hold any value.
 */
export function usageOf(schema: GraphQLSchema, op: RegisteredOperation): Set<string> {
  const used = new Set<string>();
  const seen = new Set<string>();
  const useWholeType = (type: GraphQLNamedType) => {
    used.add(type.name);
    if (seen.has(type.name)) return;
    seen.add(type.name);
    if (isEnumType(type)) for (const v of type.getValues()) used.add(`${type.name}.${v.name}`);
    if (isInputObjectType(type))
      for (const f of Object.values(type.getFields())) {
        used.add(`${type.name}.${f.name}`);
        useWholeType(getNamedType(f.type));
      }
  };
  const typeInfo = new TypeInfo(schema);
  visit(
    op.document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition(node) {
        const root = schema.getRootType(node.operation);
        if (root) used.add(root.name);
      },
      Field(node) {
        const parent = typeInfo.getParentType();
        const def = typeInfo.getFieldDef();
        if (!parent || !def) return;
        used.add(parent.name);
        used.add(`${parent.name}.${node.name.value}`);
        const named = getNamedType(def.type);
        if (isEnumType(named)) useWholeType(named);
        else used.add(named.name);
      },
      Argument(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const arg = typeInfo.getArgument();
        if (!parent || !field || !arg) return;
        used.add(`${parent.name}.${field.name}.${node.name.value}`);
        const named = getNamedType(arg.type);
        // A literal input object uses the fields it writes (ObjectField below); a variable, all.
        if (node.value.kind === Kind.VARIABLE || isEnumType(named)) useWholeType(named);
        else used.add(named.name);
      },
      ObjectField(node) {
        const parent = typeInfo.getParentInputType();
        const named = parent ? getNamedType(parent) : undefined;
        if (!named) return;
        used.add(`${named.name}.${node.name.value}`);
        const fieldType = typeInfo.getInputType();
        if (fieldType && (node.value.kind === Kind.VARIABLE || isEnumType(getNamedType(fieldType))))
          useWholeType(getNamedType(fieldType));
      },
      VariableDefinition(node) {
        let t = node.type;
        while (t.kind !== Kind.NAMED_TYPE) t = t.type;
        const type = schema.getType(t.name.value);
        if (type) useWholeType(type);
      },
      InlineFragment(node) {
        if (node.typeCondition) used.add(node.typeCondition.name.value);
      },
      FragmentDefinition(node) {
        used.add(node.typeCondition.name.value);
      },
    }),
  );
  return used;
}
