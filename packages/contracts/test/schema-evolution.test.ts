import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkEmbeddedRecords,
  checkSchemaCompatibility,
  createRecordCodec,
  loadSchemaVersions,
  type ReleaseInfo,
  type SchemaVersion,
} from '../src/index';

// v2 adds an optional field; it lives in the test's fixtures, not in schemas/avro (it is not released).
const v1 = loadSchemaVersions().get('release-info')![0]!;
const v2: SchemaVersion = {
  subject: 'release-info',
  version: 2,
  file: 'release-info.v2.avsc',
  schema: JSON.parse(readFileSync(new URL('./fixtures/avro/release-info.v2.avsc', import.meta.url), 'utf8')),
};

type ReleaseInfoV2 = ReleaseInfo & { prerelease: boolean | null };

const release: ReleaseInfo = {
  channel: 'latest',
  tag: 'v1.4.2',
  release_notes: 'https://github.com/open-policy-agent/opa/releases/tag/v1.4.2',
  download_base: 'https://openpolicyagent.org/downloads',
  published_at: null,
  source: 'file',
  updated_at: 1_763_892_902_000_000,
};

describe('schema evolution', () => {
  const oldProducer = createRecordCodec<ReleaseInfo>({ versions: [v1] });
  const newProducer = createRecordCodec<ReleaseInfoV2>({ versions: [v1, v2] });
  // A consumer that knows both versions but still reads into v1 (its code predates the new field).
  const oldReader = createRecordCodec<ReleaseInfo>({ versions: [v1, v2], readVersion: 1 });

  it('reads records written with the old version through the new reader (backward)', () => {
    const decoded = newProducer.decode(oldProducer.encode(release));
    expect(decoded).toEqual({ ...release, prerelease: null });
  });

  it('reads records written with the new version through the old reader (forward)', () => {
    const written = newProducer.encode({ ...release, prerelease: true });
    expect(written.subarray(2, 10).equals(oldProducer.fingerprint)).toBe(false);
    const decoded = oldReader.decode(written);
    expect(decoded).toEqual(release);
    expect(decoded).not.toHaveProperty('prerelease');
  });

  it('finds v1 -> v2 compatible in both directions', () => {
    expect(checkSchemaCompatibility(new Map([['release-info', [v1, v2]]]))).toEqual([]);
  });

  it('flags a new required field without default as unreadable for old records', () => {
    const broken = structuredClone(v2);
    broken.version = 3;
    (broken.schema as { fields: unknown[] }).fields.push({
      name: 'owner',
      type: 'string',
      doc: 'no default',
    });
    const problems = checkSchemaCompatibility(new Map([['release-info', [v2, broken]]]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ subject: 'release-info', writer: 2, reader: 3 });
  });

  it('flags a changed field type in both directions', () => {
    const broken = structuredClone(v2);
    broken.version = 3;
    const fields = (broken.schema as { fields: { name: string; type: unknown }[] }).fields;
    fields.find((f) => f.name === 'tag')!.type = 'int';
    const problems = checkSchemaCompatibility(new Map([['release-info', [v2, broken]]]));
    expect(problems.map((p) => [p.writer, p.reader])).toEqual([
      [2, 3],
      [3, 2],
    ]);
  });
});

describe('kept schemas in schemas/avro', () => {
  const subjects = loadSchemaVersions();

  it('keep every version readable from and by its predecessor', () => {
    expect([...subjects.keys()].sort()).toEqual([
      'decision-batch',
      'decision-event',
      'release-info',
      'status-report',
      'telemetry-report',
      'version-check',
    ]);
    expect(checkSchemaCompatibility(subjects)).toEqual([]);
  });

  it('embed only kept versions of other subjects, the newest in the newest (DecisionBatch holds DecisionEvents)', () => {
    expect(checkEmbeddedRecords(subjects)).toEqual([]);
  });

  it('flag a DecisionBatch whose DecisionEvent differs from decision-event', () => {
    const batch = structuredClone(subjects.get('decision-batch')!.at(-1)!);
    const items = (batch.schema as { fields: { type: { items: { fields: unknown[] } } }[] }).fields[0]!.type
      .items;
    items.fields.push({
      name: 'tenant',
      type: ['null', 'string'],
      default: null,
      doc: 'not in decision-event',
    });
    const changed = new Map(subjects);
    changed.set('decision-batch', [batch]);
    expect(checkEmbeddedRecords(changed)).toEqual([
      {
        subject: 'decision-batch',
        version: batch.version,
        embedded: 'decision-event',
        message: 'org.openpolicyagent.fleet.DecisionEvent is not decision-event v1, the newest kept version',
      },
    ]);
  });

  it('number their versions 1..n without gaps', () => {
    for (const versions of subjects.values()) {
      expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1));
    }
  });

  it('are namespaced and document every record and field', () => {
    const undocumented: string[] = [];
    const visit = (schema: unknown, where: string): void => {
      if (Array.isArray(schema)) {
        for (const branch of schema) visit(branch, where);
        return;
      }
      if (typeof schema !== 'object' || schema === null) return;
      const s = schema as Record<string, unknown>;
      if (s.type === 'record' || s.type === 'enum') {
        if (typeof s.doc !== 'string' || s.doc === '') undocumented.push(`${where} ${String(s.name)}`);
      }
      if (s.type === 'record') {
        for (const field of s.fields as Record<string, unknown>[]) {
          if (typeof field.doc !== 'string' || field.doc === '')
            undocumented.push(`${String(s.name)}.${String(field.name)}`);
          visit(field.type, `${String(s.name)}.${String(field.name)}`);
        }
      }
      if (s.items) visit(s.items, where);
      if (s.values) visit(s.values, where);
    };
    for (const versions of subjects.values()) {
      for (const { schema, file } of versions) {
        expect((schema as { namespace?: string }).namespace, file).toBe('org.openpolicyagent.fleet');
        visit(schema, file);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('pass the check-compat script', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = fileURLToPath(new URL('../scripts/check-compat.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    expect(out).toContain('all schema versions are backward and forward compatible');
  });
});
