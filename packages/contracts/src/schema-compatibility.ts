// Proves that each kept schema version can read records written with the previous one (backward) and the
// previous one can read records written with it (forward), by building avsc resolvers both ways and decoding
// random records through them.

import avro from 'avsc';
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
