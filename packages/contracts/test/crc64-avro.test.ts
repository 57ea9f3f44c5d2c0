import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { parsingCanonicalForm } from '../src/canonical-form';
import { crc64Avro, fingerprintBytes } from '../src/crc64-avro';
import { loadSchemaVersions } from '../src/index';

// Vectors from the Avro specification's test data (share/test/data/schema-tests.txt).
const SPEC_VECTORS: [unknown, string, bigint][] = [
  ['null', '"null"', 7195948357588979594n],
  [{ type: 'int' }, '"int"', 8247732601305521295n],
  ['long', '"long"', -3434872931120570953n],
  ['string', '"string"', -8142146995180207161n],
  [['int', { type: 'boolean' }], '["int","boolean"]', 5392556393470105090n],
  [
    { fields: [], type: 'record', name: 'foo', namespace: 'x.y' },
    '{"name":"x.y.foo","type":"record","fields":[]}',
    5916914534497305771n,
  ],
  [
    { fields: [], type: 'record', name: 'a.b.foo', namespace: 'x.y' },
    '{"name":"a.b.foo","type":"record","fields":[]}',
    -4616218487480524110n,
  ],
  [
    {
      fields: [
        { type: 'boolean', aliases: [], name: 'f1', default: 'true' },
        { order: 'descending', name: 'f2', doc: 'Hello', type: 'int' },
      ],
      type: 'record',
      name: 'foo',
    },
    '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]}',
    -4860222112080293046n,
  ],
  [
    { namespace: 'x.y.z', type: 'enum', name: 'foo', doc: 'foo bar', symbols: ['A1', 'A2'] },
    '{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}',
    -4448647247586288245n,
  ],
  [
    { namespace: 'x.y.z', type: 'fixed', name: 'foo', doc: 'foo bar', size: 32 },
    '{"name":"x.y.z.foo","type":"fixed","size":32}',
    -3064184465700546786n,
  ],
  [{ items: { type: 'null' }, type: 'array' }, '{"type":"array","items":"null"}', -589620603366471059n],
  [{ values: 'string', type: 'map' }, '{"type":"map","values":"string"}', -8732877298790414990n],
  [
    {
      name: 'PigValue',
      type: 'record',
      fields: [{ name: 'value', type: ['null', 'int', 'long', 'PigValue'] }],
    },
    '{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}',
    -1759257747318642341n,
  ],
];

describe('parsing canonical form and CRC-64-AVRO', () => {
  it.each(SPEC_VECTORS)('match the specification for %j', (schema, canonical, fingerprint) => {
    expect(parsingCanonicalForm(schema)).toBe(canonical);
    expect(BigInt.asIntN(64, crc64Avro(canonical))).toBe(fingerprint);
  });

  it('writes the fingerprint little-endian, as the single-object header expects', () => {
    // The Avro Ruby test suite's single-object header for "int": C3 01 8F 5C 39 3F 1A D5 75 72.
    expect(fingerprintBytes('"int"').toString('hex')).toBe('8f5c393f1ad57572');
  });

  it('strips logical types and docs, and qualifies nested names with the enclosing namespace', () => {
    const schema = {
      type: 'record',
      name: 'Outer',
      namespace: 'org.example',
      doc: 'ignored',
      fields: [
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' }, doc: 'ignored' },
        { name: 'inner', type: { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }] } },
        { name: 'again', type: ['null', 'Inner'], default: null },
      ],
    };
    expect(parsingCanonicalForm(schema)).toBe(
      '{"name":"org.example.Outer","type":"record","fields":[{"name":"at","type":"long"},' +
        '{"name":"inner","type":{"name":"org.example.Inner","type":"record","fields":[{"name":"x","type":"int"}]}},' +
        '{"name":"again","type":["null","org.example.Inner"]}]}',
    );
  });

  it('agrees with the canonical schema avsc derives for every kept schema', () => {
    for (const versions of loadSchemaVersions().values()) {
      for (const { schema } of versions) {
        const avscCanonical = JSON.stringify(avro.Type.forSchema(schema as avro.Schema).schema());
        expect(parsingCanonicalForm(schema)).toBe(avscCanonical);
      }
    }
  });
});
