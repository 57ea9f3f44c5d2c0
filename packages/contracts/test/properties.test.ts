// Property-based tests over generated OPA status updates and telemetry, in every spelling OPA uses.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ContractError,
  type MetricFamily,
  type MetricType,
  type NormalizeContext,
  normalizeStatus,
  normalizeTelemetry,
  type StatusReport,
  statusCodec,
} from '../src/index';

const ctx: NormalizeContext = {
  eventId: 'e',
  receivedAt: 1_763_892_902_000_000,
  gatewayId: 'g',
  userAgent: 'x/1',
};
const RUNS = { numRuns: 150 };

const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/);
const text = fc.string({ maxLength: 40 });
const count = fc.integer({ min: 0, max: 2 ** 53 - 2 }); // avsc's long range
const double = fc.double();

// ---- canonical metric families, and the four ways OPA spells them --------------------------------------

const labelPairs = fc
  .uniqueArray(fc.record({ name, value: text }), { selector: (l) => l.name, maxLength: 4 })
  .map((labels) => [...labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));

const metricOf = (type: MetricType) =>
  fc.record({
    labels: labelPairs,
    value: type === 'COUNTER' || type === 'GAUGE' || type === 'UNTYPED' ? double : fc.constant(null),
    summary:
      type === 'SUMMARY'
        ? fc.record({
            sample_count: count,
            sample_sum: double,
            quantiles: fc.array(fc.record({ quantile: double, value: double }), { maxLength: 4 }),
          })
        : fc.constant(null),
    histogram:
      type === 'HISTOGRAM' || type === 'GAUGE_HISTOGRAM'
        ? fc.record({
            sample_count: count,
            sample_sum: double,
            buckets: fc.array(fc.record({ upper_bound: double, cumulative_count: count }), { maxLength: 5 }),
          })
        : fc.constant(null),
    timestamp_ms: fc.option(fc.nat({ max: 2 ** 47 }), { nil: null }),
    // Epoch micros up to the year 2250 (what a Timestamp may carry here); gauges have none in client_model.
    created_timestamp:
      type === 'GAUGE' ? fc.constant(null) : fc.option(fc.nat({ max: 8_867_174_399_999_999 }), { nil: null }),
  });

const TYPES: MetricType[] = ['COUNTER', 'GAUGE', 'SUMMARY', 'UNTYPED', 'HISTOGRAM', 'GAUGE_HISTOGRAM'];

const family: fc.Arbitrary<MetricFamily> = fc.constantFrom(...TYPES).chain((type) =>
  fc.record({
    name,
    help: fc.option(text, { nil: null }),
    type: fc.constant(type),
    unit: fc.option(fc.constantFrom('bytes', 'seconds', 'cpu_seconds', 'events', ''), { nil: null }),
    metrics: fc.array(metricOf(type), { maxLength: 3 }),
  }),
);

const families = fc.uniqueArray(family, { selector: (f) => f.name, maxLength: 6 });

type Spelling = 'go' | 'proto';

const protoDouble = (n: number): number | string =>
  Number.isNaN(n)
    ? 'NaN'
    : n === Number.POSITIVE_INFINITY
      ? 'Infinity'
      : n === Number.NEGATIVE_INFINITY
        ? '-Infinity'
        : n;

/** A canonical family as OPA writes it, with labels shuffled by `reverse`. */
function spell(f: MetricFamily, spelling: Spelling, reverse: boolean): Record<string, unknown> {
  const go = spelling === 'go';
  const d = (n: number) => (go ? n : protoDouble(n));
  const c = (n: number) => (go ? n : String(n));
  const valueKey = f.type === 'COUNTER' ? 'counter' : f.type === 'GAUGE' ? 'gauge' : 'untyped';
  // protobuf-JSON: an RFC 3339 string (nanoseconds added, which the record truncates); Go-JSON: the
  // Timestamp message as encoding/json writes it.
  const created = (us: number | null) =>
    us === null
      ? {}
      : go
        ? { created_timestamp: { seconds: Math.floor(us / 1e6), nanos: (us % 1e6) * 1000 + 7 } }
        : {
            createdTimestamp: `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}.${String(us % 1e6).padStart(6, '0')}123Z`,
          };
  return {
    name: f.name,
    ...(f.help === null ? {} : { help: f.help }),
    type: go ? TYPES.indexOf(f.type) : f.type,
    ...(f.unit === null ? {} : { unit: f.unit }),
    metric: f.metrics.map((m) => ({
      label: reverse ? [...m.labels].reverse() : m.labels,
      ...(m.value !== null ? { [valueKey]: { value: d(m.value), ...created(m.created_timestamp) } } : {}),
      ...(m.summary
        ? {
            summary: {
              ...created(m.created_timestamp),
              [go ? 'sample_count' : 'sampleCount']: c(m.summary.sample_count),
              [go ? 'sample_sum' : 'sampleSum']: d(m.summary.sample_sum),
              quantile: m.summary.quantiles.map((q) => ({ quantile: d(q.quantile), value: d(q.value) })),
            },
          }
        : {}),
      ...(m.histogram
        ? {
            histogram: {
              ...created(m.created_timestamp),
              [go ? 'sample_count' : 'sampleCount']: c(m.histogram.sample_count),
              [go ? 'sample_sum' : 'sampleSum']: d(m.histogram.sample_sum),
              bucket: m.histogram.buckets.map((b) => ({
                [go ? 'cumulative_count' : 'cumulativeCount']: c(b.cumulative_count),
                [go ? 'upper_bound' : 'upperBound']: d(b.upper_bound),
              })),
            },
          }
        : {}),
      ...(m.timestamp_ms === null ? {} : { [go ? 'timestamp_ms' : 'timestampMs']: c(m.timestamp_ms) }),
    })),
  };
}

const spelledPrometheus = fc
  .record({
    list: families,
    spelling: fc.constantFrom<Spelling>('go', 'proto'),
    asObject: fc.boolean(),
    reverse: fc.boolean(),
  })
  .map(({ list, spelling, asObject, reverse }) => {
    const spelled = list.map((f) => spell(f, spelling, reverse));
    return {
      canonical: list,
      prometheus: asObject ? Object.fromEntries(spelled.map((f) => [f.name, f])) : spelled,
    };
  });

// ---- whole status updates --------------------------------------------------------------------------------

/** RFC 3339 with 0..9 fraction digits for micros since the epoch (plus random nanoseconds). */
const timestamp = fc
  .record({
    micros: fc.integer({ min: 0, max: 7_000_000_000_000_000 }),
    nanos: fc.integer({ min: 0, max: 999 }),
    digits: fc.integer({ min: 0, max: 9 }),
  })
  .map(({ micros, nanos, digits }) => {
    const base = new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19);
    const fraction = `${String(micros % 1_000_000).padStart(6, '0')}${String(nanos).padStart(3, '0')}`.slice(
      0,
      digits,
    );
    return digits === 0 ? `${base}Z` : `${base}.${fraction}Z`;
  });

const bundle = fc.record(
  {
    name: text,
    active_revision: text,
    last_successful_download: fc.oneof(timestamp, fc.constant('0001-01-01T00:00:00Z')),
    last_successful_activation: timestamp,
    last_request: timestamp,
    last_successful_request: timestamp,
    type: fc.constantFrom('snapshot', 'delta'),
    size: count,
    code: text,
    message: text,
    http_code: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.integer({ min: 100, max: 599 }).map(String)),
    errors: fc.array(
      fc.record(
        {
          code: text,
          message: text,
          location: fc.record(
            { file: text, row: fc.nat({ max: 10_000 }), col: fc.nat({ max: 500 }) },
            { requiredKeys: [] },
          ),
          details: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 3 },
    ),
    metrics: fc.dictionary(
      name,
      fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.jsonValue({ maxDepth: 1 })),
      { maxKeys: 4 },
    ),
    surprise: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);

const statusBody = fc
  .record(
    {
      labels: fc.record({
        id: fc.uuid(),
        version: fc.stringMatching(/^v?\d{1,2}\.\d{1,2}\.\d{1,2}$/),
        custom: fc.dictionary(
          name.filter((k) => k !== 'id' && k !== 'version'),
          text,
          { maxKeys: 5 },
        ),
      }),
      bundles: fc.dictionary(
        fc.string({ minLength: 1, maxLength: 20 }).filter((k) => k !== '__proto__'),
        bundle,
        { maxKeys: 4 },
      ),
      bundle,
      discovery: bundle,
      decision_logs: fc.record(
        { code: text, message: text, http_code: fc.integer({ min: 100, max: 599 }), extra: fc.nat() },
        { requiredKeys: [] },
      ),
      plugins: fc.dictionary(
        name,
        fc.record(
          { state: fc.constantFrom('OK', 'NOT_READY', 'ERROR', 'WARN'), message: text },
          { requiredKeys: ['state'] },
        ),
        { maxKeys: 5 },
      ),
      prometheus: spelledPrometheus,
      other: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: ['labels'] },
  )
  .map(({ labels, prometheus, other, ...rest }) => ({
    labels: { ...labels.custom, id: labels.id, version: labels.version },
    ...rest,
    ...(prometheus ? { metrics: { prometheus: prometheus.prometheus } } : {}),
    ...(other === undefined ? {} : { unknown_top_level: other }),
  }));

function onlyContractErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
  }
}

describe('generated status updates', () => {
  it('round-trip through normalize, encode and decode', () => {
    fc.assert(
      fc.property(statusBody, (body) => {
        const record = normalizeStatus(body, ctx);
        expect(statusCodec.decode(statusCodec.encode(record))).toEqual(record);
      }),
      RUNS,
    );
  });

  it('give the canonical families in every Prometheus spelling', () => {
    fc.assert(
      fc.property(spelledPrometheus, ({ canonical, prometheus }) => {
        const record = normalizeStatus({ labels: { id: 'i', version: 'v' }, metrics: { prometheus } }, ctx);
        expect(record.metric_families).toEqual(canonical);
      }),
      RUNS,
    );
  });
});

describe('garbage', () => {
  it('yields a ContractError or a record, never another exception', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withSparseArray: true }),
        (body) => {
          onlyContractErrors(() => normalizeStatus(body, ctx));
          onlyContractErrors(() => normalizeTelemetry(body, ctx));
          let record: StatusReport | undefined;
          onlyContractErrors(() => {
            record = normalizeStatus({ labels: { id: 'i', version: 'v' }, ...(body as object) }, ctx);
          });
          if (record) expect(statusCodec.decode(statusCodec.encode(record))).toEqual(record);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('with a wrong-typed value anywhere in a valid update yields a ContractError or a record', () => {
    const replaceSomewhere = (value: unknown, path: number[], garbage: unknown): unknown => {
      if (path.length === 0 || value === null || typeof value !== 'object') return garbage;
      const entries = Object.entries(value);
      if (entries.length === 0) return garbage;
      const index = path[0]! % entries.length;
      const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
      const [key, child] = entries[index]!;
      (copy as Record<string, unknown>)[key] = replaceSomewhere(child, path.slice(1), garbage);
      return copy;
    };
    fc.assert(
      fc.property(
        statusBody,
        fc.array(fc.nat(), { minLength: 1, maxLength: 7 }),
        fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constant(undefined), fc.bigInt()),
        (body, path, garbage) => {
          let record: StatusReport | undefined;
          onlyContractErrors(() => {
            record = normalizeStatus(replaceSomewhere(body, path, garbage), ctx);
          });
          // Whatever normalization accepts must fit the schema.
          if (record) expect(statusCodec.decode(statusCodec.encode(record))).toEqual(record);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('damaged records decode to a ContractError or a record, never another exception', () => {
    fc.assert(
      fc.property(
        statusBody,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (body, at, byte, truncate) => {
          const buf = statusCodec.encode(normalizeStatus(body, ctx));
          const position = at % buf.length;
          const damaged = truncate ? buf.subarray(0, position) : Buffer.from(buf);
          if (!truncate) damaged[position] = byte;
          onlyContractErrors(() => statusCodec.decode(damaged));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the tuned avsc types', () => {
  it('write bytes plain avsc reads as the same record, for any strings', async () => {
    const avro = (await import('avsc')).default;
    const { loadSchemaVersions, statusWireMapping } = await import('../src/index');
    const schema = loadSchemaVersions().get('status-report')!.at(-1)!.schema;
    const plain = avro.Type.forSchema(schema as never);
    const wire = statusWireMapping(schema)!;
    const anyText = fc.string({ unit: 'binary', maxLength: 90 });
    fc.assert(
      fc.property(
        statusBody,
        fc.dictionary(name, anyText, { maxKeys: 4 }),
        anyText,
        (body, custom, message) => {
          const record = normalizeStatus(
            { ...body, labels: { ...custom, id: 'i', version: 'v' }, decision_logs: { message } },
            { ...ctx, partition: message },
          );
          const encoded = statusCodec.encode(record);
          // Plain avsc wraps the values of its ["long", "double"] unions: {long: 3}, {double: 0.5}.
          const byPlainAvsc = unwrapNumbers(plain.fromBuffer(encoded.subarray(10)));
          const onTheWire = structuredClone(wire.toWire(record));
          for (const family of onTheWire.metric_families as { help_ref?: number | null }[]) {
            family.help_ref ??= null; // its default
          }
          expect(byPlainAvsc).toEqual(onTheWire);
          expect(statusCodec.decode(encoded)).toEqual(record);
        },
      ),
      RUNS,
    );
    // Hundreds of full encode/decode round trips: seconds on a busy 2-core machine, over the 5 s default.
  }, 30_000);
});

/** A plain-avsc value with its wrapped number-union branches unwrapped, as a plain JSON-like value. */
function unwrapNumbers(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(unwrapNumbers);
  const entries = Object.entries(value);
  if (entries.length === 1 && (entries[0]![0] === 'long' || entries[0]![0] === 'double')) {
    if (typeof entries[0]![1] === 'number') return entries[0]![1];
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, unwrapNumbers(item)]));
}
