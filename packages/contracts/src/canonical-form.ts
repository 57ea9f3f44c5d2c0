// Avro Parsing Canonical Form (spec "Schema Resolution > Parsing Canonical Form"), the text whose
// CRC-64-AVRO fingerprint identifies a writer schema. Written against the spec rather than relying on
// avsc's internal canonical schema, so the fingerprints match every other Avro implementation.

type Schema = string | Schema[] | { [key: string]: unknown };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'enum', 'fixed', 'error']);

function fullName(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

function namespaceOf(full: string): string | undefined {
  const dot = full.lastIndexOf('.');
  return dot < 0 ? undefined : full.slice(0, dot);
}

function canonical(schema: Schema, namespace: string | undefined, seen: Set<string>): string {
  if (typeof schema === 'string') {
    // [PRIMITIVES] stay as is; [FULLNAMES] references to named types get their full name.
    return JSON.stringify(PRIMITIVES.has(schema) ? schema : fullName(schema, namespace));
  }
  if (Array.isArray(schema)) {
    return `[${schema.map((branch) => canonical(branch, namespace, seen)).join(',')}]`;
  }
  const type = schema.type as Schema;
  if (typeof type === 'string' && PRIMITIVES.has(type)) {
    // {"type":"long","logicalType":...} -> "long" ([STRIP] drops logicalType).
    return JSON.stringify(type);
  }
  if (typeof type !== 'string') {
    return canonical(type, namespace, seen);
  }
  if (NAMED.has(type)) {
    const name = fullName(
      String(schema.name),
      typeof schema.namespace === 'string' ? schema.namespace : namespace,
    );
    if (seen.has(name)) {
      return JSON.stringify(name);
    }
    seen.add(name);
    const inner = namespaceOf(name);
    // [ORDER] name, type, fields, symbols, items, values, size.
    let out = `{"name":${JSON.stringify(name)},"type":${JSON.stringify(type === 'error' ? 'record' : type)}`;
    if (type === 'record' || type === 'error') {
      const fields = (schema.fields as { name: string; type: Schema }[]).map(
        (field) => `{"name":${JSON.stringify(field.name)},"type":${canonical(field.type, inner, seen)}}`,
      );
      out += `,"fields":[${fields.join(',')}]`;
    } else if (type === 'enum') {
      out += `,"symbols":${JSON.stringify(schema.symbols)}`;
    } else {
      out += `,"size":${Number(schema.size)}`;
    }
    return `${out}}`;
  }
  if (type === 'array') {
    return `{"type":"array","items":${canonical(schema.items as Schema, namespace, seen)}}`;
  }
  if (type === 'map') {
    return `{"type":"map","values":${canonical(schema.values as Schema, namespace, seen)}}`;
  }
  // A reference to a named type written as {"type": "Name"}.
  return JSON.stringify(fullName(type, namespace));
}

/** The Parsing Canonical Form of an Avro schema given as parsed JSON. */
export function parsingCanonicalForm(schema: unknown): string {
  return canonical(schema as Schema, undefined, new Set());
}
