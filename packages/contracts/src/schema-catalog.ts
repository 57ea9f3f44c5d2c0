// The kept schema versions in schemas/avro: `<record>.v<N>.avsc`, every released version, never edited
// once released. Loaded once at start-up.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the repository keeps its Avro schemas. */
export const SCHEMAS_DIR = fileURLToPath(new URL('../../../schemas/avro/', import.meta.url));

const FILE_NAME = /^([a-z0-9-]+)\.v(\d+)\.avsc$/;

export interface SchemaVersion {
  /** File base name without version, e.g. `status-report`. */
  subject: string;
  version: number;
  file: string;
  /** The parsed `.avsc` JSON. */
  schema: unknown;
}

/** Every `<subject>.v<N>.avsc` in `dir`, grouped by subject, oldest version first. */
export function loadSchemaVersions(dir: string = SCHEMAS_DIR): Map<string, SchemaVersion[]> {
  const bySubject = new Map<string, SchemaVersion[]>();
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) continue;
    const subject = match[1]!;
    const entry: SchemaVersion = {
      subject,
      version: Number(match[2]),
      file,
      schema: JSON.parse(readFileSync(join(dir, file), 'utf8')),
    };
    const list = bySubject.get(subject) ?? [];
    list.push(entry);
    bySubject.set(subject, list);
  }
  for (const list of bySubject.values()) list.sort((a, b) => a.version - b.version);
  return bySubject;
}

/** The versions of one subject, oldest first; throws when there is none. */
export function schemaVersionsOf(subject: string, dir: string = SCHEMAS_DIR): SchemaVersion[] {
  const versions = loadSchemaVersions(dir).get(subject);
  if (!versions || versions.length === 0) {
    throw new Error(`no schema ${subject}.v<N>.avsc in ${dir}`);
  }
  return versions;
}
