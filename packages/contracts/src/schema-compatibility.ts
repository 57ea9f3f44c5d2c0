// Proves that each kept schema version can read records written with the previous one (backward) and the
// previous one can read records written with it (forward), by building avsc resolvers both ways and decoding
// random records through them; and that a record one subject embeds (a DecisionBatch's DecisionEvents) is
// exactly a kept version of that record's own subject.

import avro from 'avsc';
import { parsingCanonicalForm } from './canonical-form';
import type { SchemaVersion } from './schema-catalog';

export interface CompatibilityProblem {
  subject: string;
  /** Version that wrote the record. */
  writer: number;
  /** Version that failed to read it. */
  reader: number;
  message: string;
}

/** Problems between consecutive versions of every subject; empty when all are compatible both ways. */
export function checkSchemaCompatibility(
  subjects: ReadonlyMap<string, readonly SchemaVersion[]>,
  samplesPerPair = 25,
): CompatibilityProblem[] {
  const problems: CompatibilityProblem[] = [];
  for (const [subject, versions] of subjects) {
    for (let i = 1; i < versions.length; i++) {
      const older = versions[i - 1]!;
      const newer = versions[i]!;
      const olderType = avro.Type.forSchema(older.schema as avro.Schema);
      const newerType = avro.Type.forSchema(newer.schema as avro.Schema);
      for (const [writer, reader, writerType, readerType] of [
        [older, newer, olderType, newerType],
        [newer, older, newerType, olderType],
      ] as const) {
        const problem = readThrough(writerType, readerType, samplesPerPair);
        if (problem !== null) {
          problems.push({ subject, writer: writer.version, reader: reader.version, message: problem });
        }
      }
    }
  }
  return problems;
}

function readThrough(writerType: avro.Type, readerType: avro.Type, samples: number): string | null {
  let resolver: ReturnType<avro.Type['createResolver']>;
  try {
    resolver = readerType.createResolver(writerType);
  } catch (err) {
    return (err as Error).message;
  }
  for (let i = 0; i < samples; i++) {
    const record = writerType.random();
    try {
      const decoded = readerType.fromBuffer(writerType.toBuffer(record), resolver);
      if (!readerType.isValid(decoded)) return 'a resolved record is not valid for the reader schema';
    } catch (err) {
      return `reading a random record failed: ${(err as Error).message}`;
    }
  }
  return null;
}

/** A record of one subject embedded in another's schema that is not that subject's record. */
export interface EmbeddingProblem {
  /** The subject whose schema embeds the record (`decision-batch`). */
  subject: string;
  version: number;
  /** The subject whose record is embedded (`decision-event`). */
  embedded: string;
  message: string;
}

/**
 * A subject may carry another subject's record inside it (a DecisionBatch holds DecisionEvents). Every
 * version must embed a kept version of that record exactly (same Parsing Canonical Form), and the newest
 * version the newest one, so the records inside are what that subject's own readers read.
 */
export function checkEmbeddedRecords(
  subjects: ReadonlyMap<string, readonly SchemaVersion[]>,
): EmbeddingProblem[] {
  const bySubjectName = new Map<string, string>();
  for (const [subject, versions] of subjects) {
    bySubjectName.set(fullNameOf(versions.at(-1)!.schema, undefined), subject);
  }
  const problems: EmbeddingProblem[] = [];
  for (const [subject, versions] of subjects) {
    versions.forEach((version, i) => {
      for (const [name, embedded] of namedRecordsIn(version.schema)) {
        const other = bySubjectName.get(name);
        if (other === undefined || other === subject) continue;
        const kept = subjects.get(other)!.map((v) => parsingCanonicalForm(v.schema));
        const form = parsingCanonicalForm(embedded);
        const newestOnly = i === versions.length - 1;
        if (newestOnly ? form !== kept.at(-1) : !kept.includes(form)) {
          problems.push({
            subject,
            version: version.version,
            embedded: other,
            message: newestOnly
              ? `${name} is not ${other} v${subjects.get(other)!.at(-1)!.version}, the newest kept version`
              : `${name} is no kept version of ${other}`,
          });
        }
      }
    });
  }
  return problems;
}

/** Every named record defined below the top level of `schema`, by full name. */
function namedRecordsIn(schema: unknown): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const walk = (s: unknown, namespace: string | undefined, top: boolean) => {
    if (Array.isArray(s)) {
      for (const branch of s) walk(branch, namespace, false);
      return;
    }
    if (s === null || typeof s !== 'object') return;
    const node = s as { type?: unknown; fields?: { type: unknown }[]; items?: unknown; values?: unknown };
    if (node.type === 'record' || node.type === 'error') {
      const name = fullNameOf(node, namespace);
      if (!top) found.set(name, { ...node, namespace: name.slice(0, Math.max(0, name.lastIndexOf('.'))) });
      const inner = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : namespace;
      for (const field of node.fields ?? []) walk(field.type, inner, false);
      return;
    }
    if (node.type === 'array') walk(node.items, namespace, false);
    else if (node.type === 'map') walk(node.values, namespace, false);
    else if (typeof node.type === 'object') walk(node.type, namespace, false);
  };
  walk(schema, undefined, true);
  return found;
}

function fullNameOf(schema: unknown, namespace: string | undefined): string {
  const { name, namespace: own } = schema as { name: string; namespace?: string };
  if (name.includes('.')) return name;
  const ns = own ?? namespace;
  return ns ? `${ns}.${name}` : name;
}
