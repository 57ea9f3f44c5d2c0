import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSchemaVersions } from '../src/index';
import { schemaDrift } from './support/schema-drift';

const typesSource = readFileSync(new URL('../src/types.ts', import.meta.url), 'utf8');
const latestSchemas = [...loadSchemaVersions().values()].map((versions) => versions.at(-1)!.schema);
const BASE_ONLY = ['Envelope'];

describe('types.ts and schemas/avro', () => {
  it('agree field for field on every record and enum', () => {
    expect(latestSchemas).toHaveLength(6);
    expect(schemaDrift(typesSource, latestSchemas, BASE_ONLY)).toEqual([]);
  });

  it('reports a field renamed in types.ts', () => {
    const renamed = typesSource.replace('active_revision: string | null;', 'revision: string | null;');
    expect(renamed).not.toBe(typesSource);
    expect(schemaDrift(renamed, latestSchemas, BASE_ONLY)).toEqual([
      'BundleStatus.active_revision is in the schema but not in types.ts',
      'BundleStatus.revision is in types.ts but not in the schema',
    ]);
  });

  it('reports a field added to types.ts, also through an extended interface', () => {
    const added = typesSource.replace('gateway_id: string;', 'gateway_id: string;\n  tenant: string;');
    const problems = schemaDrift(added, latestSchemas, BASE_ONLY);
    expect(problems).toContain('TelemetryReport.tenant is in types.ts but not in the schema');
    expect(problems).toContain('StatusReport.tenant is in types.ts but not in the schema');
  });

  it('reports a changed nullability or type', () => {
    const changed = typesSource
      .replace('http_code: number | null;\n  errors', 'http_code: number;\n  errors')
      .replace('metrics: Record<string, number>;', 'metrics: Record<string, string>;');
    expect(schemaDrift(changed, latestSchemas, BASE_ONLY)).toEqual([
      'BundleStatus.http_code: types.ts says number, the schema number | null',
      'BundleStatus.metrics: types.ts says Record<string, string>, the schema Record<string, number>',
    ]);
  });

  it('reports an enum symbol missing on either side', () => {
    const changed = typesSource.replace("| 'GAUGE_HISTOGRAM'", '');
    expect(schemaDrift(changed, latestSchemas, BASE_ONLY)).toEqual([
      'enum MetricType: types.ts has COUNTER|GAUGE|SUMMARY|UNTYPED|HISTOGRAM, the schema COUNTER|GAUGE|SUMMARY|UNTYPED|HISTOGRAM|GAUGE_HISTOGRAM',
    ]);
  });

  it('reports a field added to a schema only', () => {
    const schemas = structuredClone(latestSchemas) as { name: string; fields: unknown[] }[];
    schemas.find((s) => s.name === 'ReleaseInfo')!.fields.push({ name: 'prerelease', type: 'boolean' });
    expect(schemaDrift(typesSource, schemas, BASE_ONLY)).toEqual([
      'ReleaseInfo.prerelease is in the schema but not in types.ts',
    ]);
  });
});
