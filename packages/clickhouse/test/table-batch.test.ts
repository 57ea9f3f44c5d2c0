// TableBatch.part: the rows of some records cut out of a batch, byte for byte what adding those
// records alone would have made, so a refused batch is bisected without encoding (or decoding and
// flattening) its records again.
import { describe, expect, it } from 'vitest';
import { payloadBytes, RowBinaryRows, RowBinaryWriter, STATUS_TABLE_SPECS, TableBatch } from '../src';

const sample = (seq: number) => ({
  event_id: `e${seq}`,
  seq,
  received_at: 1_795_500_000,
  received_at_us: 1_795_500_000_123_456,
  instance_id: 'i',
  partition: '',
  family: 'f',
  type: 'GAUGE',
  name: 'f',
  label_names: [],
  label_values: [],
  value: seq / 2,
  timestamp_ms: null,
  unit: '',
  created_timestamp_us: null,
});

/** Record i: i samples (none for record 0), a bundle row for even i, always a report row. */
function recordRows(i: number): [string, object[]][] {
  return [
    ['prometheus_samples', Array.from({ length: i }, (_, s) => sample(i * 10 + s))],
    ['bundles', i % 2 === 0 ? [{ event_id: `e${i}`, name: `b${i}` }] : []],
    ['status_reports', [{ event_id: `e${i}`, n: i }]],
  ];
}

function batchOf(records: number[]): TableBatch {
  const batch = new TableBatch(STATUS_TABLE_SPECS);
  for (const i of records) batch.addAll(recordRows(i));
  return batch;
}

function contentOf(batch: TableBatch) {
  return {
    rows: batch.rows,
    bytes: batch.bytes,
    records: batch.records,
    tables: Object.fromEntries(
      batch.tablesInOrder().map((t) => [t, payloadBytes(batch.payloadOf(t)).toString('hex')]),
    ),
  };
}

describe('TableBatch.part', () => {
  const all = [0, 1, 2, 3, 4, 5, 6];
  const whole = batchOf(all);

  it('holds exactly what adding the records of the range alone would have made', () => {
    for (const [from, to] of [
      [0, 7],
      [0, 1],
      [1, 4],
      [3, 4],
      [4, 7],
      [6, 7],
    ] as const) {
      expect(contentOf(whole.part(from, to)), `[${from}, ${to})`).toEqual(
        contentOf(batchOf(all.slice(from, to))),
      );
    }
  });

  it('can be cut again, as bisection does', () => {
    const half = whole.part(2, 7);
    expect(contentOf(half.part(1, 3))).toEqual(contentOf(batchOf([3, 4])));
    expect(contentOf(half.part(3, 5).part(1, 2))).toEqual(contentOf(batchOf([6])));
  });

  it('keeps record positions across a record that could not be added', () => {
    const batch = new TableBatch(STATUS_TABLE_SPECS);
    batch.addAll(recordRows(1));
    expect(() =>
      batch.addAll([
        ['bundles', [{ event_id: 'x' }]],
        ['prometheus_samples', [{ ...sample(0), seq: -1 }]],
      ]),
    ).toThrow(RangeError);
    batch.addAll(recordRows(2));
    expect(batch.records).toBe(2);
    expect(contentOf(batch.part(1, 2))).toEqual(contentOf(batchOf([2])));
  });
});

describe('TableBatch with rows already in RowBinary', () => {
  it('takes them for a RowBinary table as if its spec had written them, and cuts them by record', () => {
    const spec = STATUS_TABLE_SPECS.get('prometheus_samples')!.rowBinary!;
    const encoded = (seqs: number[]) => {
      const w = new RowBinaryWriter();
      for (const seq of seqs) spec.write(sample(seq), w);
      return new RowBinaryRows(seqs.length, Buffer.from(w.bytes()));
    };
    const pre = new TableBatch(STATUS_TABLE_SPECS);
    pre.addAll([['prometheus_samples', encoded([1, 2])]]);
    pre.addAll([['prometheus_samples', encoded([3])]]);
    const objects = new TableBatch(STATUS_TABLE_SPECS);
    objects.addAll([['prometheus_samples', [sample(1), sample(2)]]]);
    objects.addAll([['prometheus_samples', [sample(3)]]]);
    expect(contentOf(pre)).toEqual(contentOf(objects));
    expect(contentOf(pre.part(1, 2))).toEqual(contentOf(objects.part(1, 2)));
  });

  it('rolls a failed record back even where its rows continued the piece before', () => {
    const batch = new TableBatch(STATUS_TABLE_SPECS);
    batch.addAll([['prometheus_samples', [sample(1)]]]);
    const before = payloadBytes(batch.payloadOf('prometheus_samples'));
    expect(() =>
      batch.addAll([
        ['prometheus_samples', [sample(2)]],
        ['bundles', new RowBinaryRows(1, Buffer.from([0]))],
      ]),
    ).toThrow(TypeError);
    expect(payloadBytes(batch.payloadOf('prometheus_samples')).equals(before)).toBe(true);
    batch.addAll([['prometheus_samples', [sample(3)]]]);
    const objects = new TableBatch(STATUS_TABLE_SPECS);
    objects.addAll([['prometheus_samples', [sample(1)]]]);
    objects.addAll([['prometheus_samples', [sample(3)]]]);
    expect(contentOf(batch)).toEqual(contentOf(objects));
  });

  it('cuts records out of a body in several pieces', () => {
    const spec = STATUS_TABLE_SPECS.get('prometheus_samples')!.rowBinary!;
    const pre = new TableBatch(STATUS_TABLE_SPECS);
    const objects = new TableBatch(STATUS_TABLE_SPECS);
    for (let seq = 0; seq < 6; seq++) {
      const w = new RowBinaryWriter(); // a buffer of its own: one piece per record
      spec.write(sample(seq), w);
      pre.addAll([['prometheus_samples', new RowBinaryRows(1, w.take())]]);
      objects.addAll([['prometheus_samples', [sample(seq)]]]);
    }
    expect(pre.payloadOf('prometheus_samples').body).toHaveLength(6);
    for (const [from, to] of [
      [0, 6],
      [1, 4],
      [2, 3],
      [5, 6],
    ] as const) {
      expect(contentOf(pre.part(from, to))).toEqual(contentOf(objects.part(from, to)));
    }
  });

  it('refuses them for a JSONEachRow table, leaving the batch as it was', () => {
    const batch = new TableBatch(STATUS_TABLE_SPECS);
    expect(() => batch.addAll([['bundles', new RowBinaryRows(1, Buffer.from([0]))]])).toThrow(TypeError);
    expect(batch.rows).toBe(0);
  });
});
