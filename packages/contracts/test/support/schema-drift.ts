// Compares the interfaces in src/types.ts with the records of the .avsc files, field by field:
// names, nullability, element and value types, enum symbols. Returns one message per difference.

import ts from 'typescript';

type Avsc = string | Avsc[] | { [key: string]: unknown };

interface Shape {
  fields: Map<string, string>;
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Field descriptors of every record and the symbols of every enum reachable from the schemas. */
function describeSchemas(schemas: readonly unknown[]): {
  records: Map<string, Shape>;
  enums: Map<string, string[]>;
} {
  const records = new Map<string, Shape>();
  const enums = new Map<string, string[]>();
  const describe = (schema: Avsc): string => {
    if (typeof schema === 'string') {
      if (['int', 'long', 'float', 'double'].includes(schema)) return 'number';
      if (schema === 'string' || schema === 'boolean' || schema === 'null') return schema;
      return shortName(schema);
    }
    if (Array.isArray(schema)) {
      // ["long", "double"] is one TypeScript number.
      const branches = [...new Set(schema.filter((b) => b !== 'null').map(describe))];
      return schema.includes('null') ? `${branches.join(' | ')} | null` : branches.join(' | ');
    }
    const type = schema.type as Avsc;
    if (typeof type !== 'string') return describe(type);
    switch (type) {
      case 'array':
        return `${describe(schema.items as Avsc)}[]`;
      case 'map':
        return `Record<string, ${describe(schema.values as Avsc)}>`;
      case 'enum': {
        const name = shortName(String(schema.name));
        enums.set(name, schema.symbols as string[]);
        return name;
      }
      case 'record': {
        const name = shortName(String(schema.name));
        const fields = new Map<string, string>();
        records.set(name, { fields });
        for (const field of schema.fields as { name: string; type: Avsc; wire_only?: boolean }[]) {
          // Wire-only fields (a help text reference) are resolved by the codec and never reach types.ts.
          if (field.wire_only === true) continue;
          fields.set(field.name, describe(field.type));
        }
        return name;
      }
      default:
        return describe(type); // primitive with logicalType, e.g. {"type":"long","logicalType":"timestamp-micros"}
    }
  };
  for (const schema of schemas) describe(schema as Avsc);
  return { records, enums };
}

/** Field descriptors of every interface (with `extends` flattened) and the members of string-literal unions. */
function describeTypes(source: string): { interfaces: Map<string, Shape>; enums: Map<string, string[]> } {
  const file = ts.createSourceFile('types.ts', source, ts.ScriptTarget.ES2022, true);
  const declared = new Map<string, ts.InterfaceDeclaration>();
  const enums = new Map<string, string[]>();
  const describe = (node: ts.TypeNode): string => {
    if (node.kind === ts.SyntaxKind.StringKeyword) return 'string';
    if (node.kind === ts.SyntaxKind.NumberKeyword) return 'number';
    if (node.kind === ts.SyntaxKind.BooleanKeyword) return 'boolean';
    if (ts.isLiteralTypeNode(node) && node.literal.kind === ts.SyntaxKind.NullKeyword) return 'null';
    if (ts.isArrayTypeNode(node)) return `${describe(node.elementType)}[]`;
    if (ts.isUnionTypeNode(node)) {
      const parts = node.types.map(describe);
      const nonNull = parts.filter((p) => p !== 'null');
      return parts.includes('null') ? `${nonNull.join(' | ')} | null` : parts.join(' | ');
    }
    if (ts.isTypeReferenceNode(node)) {
      const name = node.typeName.getText(file);
      if (name === 'Record' && node.typeArguments?.length === 2) {
        return `Record<${describe(node.typeArguments[0]!)}, ${describe(node.typeArguments[1]!)}>`;
      }
      return name;
    }
    return `unsupported(${node.getText(file)})`;
  };
  for (const statement of file.statements) {
    if (ts.isInterfaceDeclaration(statement)) declared.set(statement.name.text, statement);
    if (ts.isTypeAliasDeclaration(statement) && ts.isUnionTypeNode(statement.type)) {
      enums.set(
        statement.name.text,
        statement.type.types.map((t) =>
          ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)
            ? t.literal.text
            : `unsupported(${t.getText(file)})`,
        ),
      );
    }
  }
  const fieldsOf = (decl: ts.InterfaceDeclaration): Map<string, string> => {
    const fields = new Map<string, string>();
    for (const clause of decl.heritageClauses ?? []) {
      for (const base of clause.types) {
        const parent = declared.get(base.expression.getText(file));
        if (parent) for (const [k, v] of fieldsOf(parent)) fields.set(k, v);
        else fields.set(`extends ${base.getText(file)}`, 'unresolved');
      }
    }
    for (const member of decl.members) {
      if (!ts.isPropertySignature(member) || !member.type) {
        fields.set(member.getText(file), 'unsupported member');
        continue;
      }
      const type = describe(member.type);
      fields.set(member.name.getText(file), member.questionToken ? `${type} | undefined` : type);
    }
    return fields;
  };
  const interfaces = new Map<string, Shape>();
  for (const [name, decl] of declared) interfaces.set(name, { fields: fieldsOf(decl) });
  return { interfaces, enums };
}

/**
 * Differences between types.ts (`typesSource`) and the Avro schemas. `baseOnly` names interfaces that
 * only exist to be extended (they have no record of their own).
 */
export function schemaDrift(
  typesSource: string,
  schemas: readonly unknown[],
  baseOnly: readonly string[],
): string[] {
  const avro = describeSchemas(schemas);
  const typed = describeTypes(typesSource);
  const problems: string[] = [];
  for (const [name, record] of avro.records) {
    const iface = typed.interfaces.get(name);
    if (!iface) {
      problems.push(`record ${name} has no interface in types.ts`);
      continue;
    }
    for (const [field, avroType] of record.fields) {
      const tsType = iface.fields.get(field);
      if (tsType === undefined) problems.push(`${name}.${field} is in the schema but not in types.ts`);
      else if (tsType !== avroType)
        problems.push(`${name}.${field}: types.ts says ${tsType}, the schema ${avroType}`);
    }
    for (const field of iface.fields.keys()) {
      if (!record.fields.has(field)) problems.push(`${name}.${field} is in types.ts but not in the schema`);
    }
  }
  for (const name of typed.interfaces.keys()) {
    if (!avro.records.has(name) && !baseOnly.includes(name))
      problems.push(`interface ${name} has no Avro record`);
  }
  for (const [name, symbols] of avro.enums) {
    const members = typed.enums.get(name);
    if (!members) problems.push(`enum ${name} has no union type in types.ts`);
    else if (members.join(',') !== symbols.join(',')) {
      problems.push(`enum ${name}: types.ts has ${members.join('|')}, the schema ${symbols.join('|')}`);
    }
  }
  return problems;
}
