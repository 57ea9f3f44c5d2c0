import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/support/fixtures';
import {
  ContractError,
  createRecordCodec,
  loadSchemaVersions,
  normalizeStatus,
  type ReleaseInfo,
  releaseCodec,
  type StatusReport,
  statusCodec,
  telemetryCodec,
} from '../src/index';

const release: ReleaseInfo = {
  channel: 'latest',
  tag: 'v0.19.2',
  release_notes: 'https://github.com/open-policy-agent/opa/releases/tag/v0.19.2',
  download_base: 'https://openpolicyagent.org/downloads',
  published_at: 1_585_000_000_000_000,
  source: 'github',
  updated_at: 1_763_892_902_000_000,
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ContractError);
    return (err as ContractError).code;
  }
  return undefined;
}

describe('record codec', () => {
  it('writes C3 01, the writer fingerprint, then the Avro body', () => {
    const buf = releaseCodec.encode(release);
    expect(buf.subarray(0, 2).toString('hex')).toBe('c301');
    expect(buf.subarray(2, 10).equals(releaseCodec.fingerprint)).toBe(true);
    expect(releaseCodec.decode(buf)).toEqual(release);
  });

  it('has a distinct fingerprint and full name per subject', () => {
    const fingerprints = new Set(
      [telemetryCodec, statusCodec, releaseCodec].map((c) => c.fingerprint.toString('hex')),
    );
    expect(fingerprints.size).toBe(3);
    expect(statusCodec.name).toBe('org.openpolicyagent.fleet.StatusReport');
  });

  it('rejects an unknown fingerprint as UNKNOWN_SCHEMA', () => {
    const buf = releaseCodec.encode(release);
    buf[5]! ^= 0xff;
    expect(codeOf(() => releaseCodec.decode(buf))).toBe('UNKNOWN_SCHEMA');
    // A record of another subject is just as unknown to this codec.
    expect(codeOf(() => statusCodec.decode(releaseCodec.encode(release)))).toBe('UNKNOWN_SCHEMA');
  });

  it('rejects a bad header, a truncated body and trailing bytes as CORRUPT_RECORD', () => {
    const buf = releaseCodec.encode(release);
    expect(codeOf(() => releaseCodec.decode(Buffer.from('{"channel":"latest"}')))).toBe('CORRUPT_RECORD');
    expect(codeOf(() => releaseCodec.decode(buf.subarray(0, 6)))).toBe('CORRUPT_RECORD');
    for (let end = 10; end < buf.length; end++) {
      expect(codeOf(() => releaseCodec.decode(buf.subarray(0, end)))).toBe('CORRUPT_RECORD');
    }
    expect(codeOf(() => releaseCodec.decode(Buffer.concat([buf, Buffer.from([0])])))).toBe('CORRUPT_RECORD');
  });

  it('rejects a body with an invalid union branch as CORRUPT_RECORD', () => {
    const buf = releaseCodec.encode({ ...release, published_at: null });
    // channel "latest" (1+6), tag (1+7), release_notes (1+61), download_base (1+37): then the union index.
    const unionAt = 10 + 7 + 8 + 1 + release.release_notes.length + 1 + release.download_base.length;
    expect(buf[unionAt]).toBe(0);
    buf[unionAt] = 0x0c; // branch 6 of a two-branch union
    expect(codeOf(() => releaseCodec.decode(buf))).toBe('CORRUPT_RECORD');
  });

  it('rejects a damaged huge block count quickly instead of looping past the end', () => {
    const schema = {
      type: 'record',
      name: 'Box',
      fields: [
        {
          name: 'items',
          type: {
            type: 'array',
            items: { type: 'record', name: 'Item', fields: [{ name: 'x', type: 'string' }] },
          },
        },
        { name: 'tags', type: { type: 'map', values: 'string' } },
      ],
    };
    const codec = createRecordCodec<{ items: { x: string }[]; tags: Record<string, string> }>({
      versions: [{ version: 1, schema }],
    });
    const valid = codec.encode({ items: [{ x: 'a' }], tags: { k: 'v' } });
    expect(codec.decode(valid)).toEqual({ items: [{ x: 'a' }], tags: { k: 'v' } });
    const hugeCount = avro.Type.forSchema('long').toBuffer(2 ** 30);
    const started = Date.now();
    expect(
      codeOf(() => codec.decode(Buffer.concat([valid.subarray(0, 10), hugeCount, Buffer.alloc(4)]))),
    ).toBe('CORRUPT_RECORD');
    const mapAt = valid.length - 5; // map block: count 1, key "k", value "v", end 0
    const damagedMap = Buffer.concat([valid.subarray(0, mapAt), hugeCount, Buffer.alloc(4)]);
    expect(codeOf(() => codec.decode(damagedMap))).toBe('CORRUPT_RECORD');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects a record that does not fit its schema as INVALID_VALUE, naming the field', () => {
    const bad = { ...release, updated_at: 1.5 } as ReleaseInfo;
    expect(() => releaseCodec.encode(bad)).toThrow(/updated_at/);
    expect(codeOf(() => releaseCodec.encode(bad))).toBe('INVALID_VALUE');
  });

  it('encodes records larger than its scratch buffer', () => {
    const status = normalizeStatus(readFixture('status-full.json'), {
      eventId: 'e',
      receivedAt: 0,
      gatewayId: 'g',
    });
    const big: StatusReport = { ...status, extra_json: JSON.stringify({ blob: 'x'.repeat(300_000) }) };
    const buf = statusCodec.encode(big);
    expect(buf.length).toBeGreaterThan(300_000);
    expect(statusCodec.decode(buf)).toEqual(big);
    // The grown buffer still encodes small records correctly afterwards.
    expect(statusCodec.decode(statusCodec.encode(status))).toEqual(status);
  });

  it('returns a copy, not a view of its scratch buffer', () => {
    const first = releaseCodec.encode(release);
    const copy = Buffer.from(first);
    releaseCodec.encode({ ...release, tag: 'v9.9.9', channel: 'other' });
    expect(first.equals(copy)).toBe(true);
  });

  it('can write an older kept version and read it back into the newest', () => {
    const versions = [...loadSchemaVersions().get('release-info')!];
    const codec = createRecordCodec<ReleaseInfo>({ versions, writeVersion: 1 });
    expect(codec.decode(codec.encode(release))).toEqual(release);
  });
});
