// The gateway's OpenAPI 3.1 document, served at GET /openapi.json: exactly what the gateway accepts and
// refuses. Built from the configuration and the limits the gateway runs with (DEFAULT_LIMITS and
// VALUE_RANGES of @opa-fleet/contracts, the body limit, the topic policy, auth on or off), so the numbers
// it states cannot drift from the ones enforced. The body schemas mirror the normalizers rule by rule;
// the few rules JSON Schema cannot state (sizes of JSON kept as text, the sample count over all families)
// are named in the descriptions. schemathesis (test/e2e/api-conformance.e2e.test.ts) holds the two together.
import {
  DOUBLE_TEXT_PATTERN,
  GO_ZERO_SECONDS,
  type Limits,
  MAX_CREATED_SECONDS,
  TIMESTAMP_PATTERN,
  VALUE_RANGES,
} from '@opa-fleet/contracts';
import { READ_METHODS, REPORT_METHODS } from './allowed-methods';
import type { GatewayConfig } from './config';

export type OpenApiConfig = Pick<
  GatewayConfig,
  | 'bodyLimitBytes'
  | 'logsBodyLimitBytes'
  | 'topicPolicy'
  | 'authTokens'
  | 'releaseRepositories'
  | 'retryAfterSeconds'
>;

type Schema = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });

/** A string of at most `max` characters (Unicode code points, as JSON Schema counts), or null. */
const text = (max: number): Schema => ({ type: ['string', 'null'], maxLength: max });
/** A required non-empty string of at most `max` characters. */
const name = (max: number): Schema => ({ type: 'string', minLength: 1, maxLength: max });

/**
 * `^0*(...)$` matching the decimal numbers 0..max (leading zeros allowed, as Number() reads them): all
 * numbers with fewer digits, then per position the digits below max's, then max itself.
 */
export function decimalPattern(max: number): string {
  const digits = String(max);
  const alternatives = digits.length > 1 ? [`[0-9]{1,${digits.length - 1}}`] : [];
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits[i]);
    if (d === 0) continue;
    const rest = digits.length - i - 1;
    alternatives.push(`${digits.slice(0, i)}[0-${d - 1}]${rest > 0 ? `[0-9]{${rest}}` : ''}`);
  }
  alternatives.push(digits);
  return `^0*(?:${alternatives.join('|')})$`;
}

/** An integer 0..max as a JSON number or a decimal string (OPA and protobuf-JSON send int64 as strings). */
const count = (max: number): Schema => ({
  type: ['integer', 'string', 'null'],
  minimum: 0,
  maximum: max,
  pattern: decimalPattern(max),
});

/** A double as a JSON number or, as protobuf-JSON writes them, a decimal string, NaN or an infinity. */
const double: Schema = { $ref: '#/components/schemas/Double' };

const timestamp: Schema = {
  type: ['string', 'null'],
  pattern: TIMESTAMP_PATTERN,
  description: "RFC 3339 (Go's time.Time), years 1700..2250; Go's zero time 0001-01-01T00:00:00Z means never",
};

/** A field OPA spells in snake_case (Go encoding/json) or camelCase (protobuf-JSON); one spelling per object. */
function spelled(snake: string, camel: string, schema: Schema): Schema {
  return {
    properties: { [snake]: schema, [camel]: schema },
    not: { required: [snake, camel] },
  };
}

const METRIC_TYPES = ['COUNTER', 'GAUGE', 'SUMMARY', 'UNTYPED', 'HISTOGRAM', 'GAUGE_HISTOGRAM'] as const;
/** The field of a metric that holds its value, by family type. */
const HOLDER = {
  COUNTER: 'counter',
  GAUGE: 'gauge',
  SUMMARY: 'summary',
  UNTYPED: 'untyped',
  HISTOGRAM: 'histogram',
  GAUGE_HISTOGRAM: 'histogram',
} as const;
/** Without `type`, the first metric's fields tell it, in this order (else UNTYPED), as inferType does. */
const INFERRED_FROM = ['counter', 'gauge', 'summary', 'histogram'] as const;

function metricsHolding(holder: string): Schema {
  return { items: { required: [holder], properties: { [holder]: ref(holderSchemaName(holder)) } } };
}

function holderSchemaName(holder: string): string {
  return holder === 'summary' ? 'SummaryValue' : holder === 'histogram' ? 'HistogramValue' : 'SimpleValue';
}

/**
 * The `metric` array of a family holds the value field its type names; without a type, the one the first
 * metric's fields name. One branch per case (not if/then per type, which generators expand combinatorially).
 */
function familyTypeBranches(): Schema[] {
  const typed = METRIC_TYPES.map((type, number) => ({
    required: ['type'],
    properties: { type: { enum: [number, type] }, metric: metricsHolding(HOLDER[type]) },
  }));
  // Inferred: every metric holds what the first one's earliest field in INFERRED_FROM names (else untyped).
  const inferred = [...INFERRED_FROM, 'untyped'].map((holder, i) => {
    const earlier = INFERRED_FROM.slice(0, i).map((h) => ({ required: [h] }));
    if (earlier.length === 0) return metricsHolding(holder);
    return { allOf: [metricsHolding(holder), { prefixItems: [{ not: { anyOf: earlier } }] }] };
  });
  const empty = [{ type: 'null' }, { type: 'array', maxItems: 0 }];
  return [...typed, { properties: { type: { type: 'null' }, metric: { anyOf: [...empty, ...inferred] } } }];
}

/** The request-body schemas: their objects never hold a `__proto__` key (see refusingProtoKeys). */
const REQUEST_SCHEMAS = [
  'VersionReport',
  'StatusReport',
  'Labels',
  'Bundle',
  'BundleError',
  'PrometheusMetrics',
  'MetricFamily',
  'Metric',
  'SimpleValue',
  'SummaryValue',
  'HistogramValue',
];

/** An object schema whose every listed property is required (GitHub sends every field, null or not). */
function everyPropertyRequired(schema: { type: 'object'; properties: Record<string, Schema> }): Schema {
  return { ...schema, required: Object.keys(schema.properties) };
}

const NOT_PROTO = { not: { const: '__proto__' } };

/** Any JSON value without a `__proto__` key at any depth. */
const JSON_VALUE: Schema = {
  type: ['null', 'boolean', 'number', 'string', 'array', 'object'],
  propertyNames: NOT_PROTO,
  additionalProperties: ref('JsonValue'),
  items: ref('JsonValue'),
};

/**
 * The gateway refuses a body with a `__proto__` key anywhere (parseJson): every object schema gets that
 * rule, and values it leaves open become JsonValue. `not` is left alone (adding to it would invert it).
 */
function refusingProtoKeys(schema: Schema): Schema {
  const out: Schema = { ...schema };
  for (const key of ['properties'] as const) {
    const props = out[key] as Record<string, Schema> | undefined;
    if (props)
      out[key] = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, refusingProtoKeys(v)]));
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const sub = out[key];
    if (typeof sub === 'object' && sub !== null) out[key] = refusingProtoKeys(sub as Schema);
  }
  for (const key of ['allOf', 'anyOf', 'prefixItems'] as const) {
    const list = out[key] as Schema[] | undefined;
    if (list) out[key] = list.map(refusingProtoKeys);
  }
  const types = ([] as unknown[]).concat(out.type ?? []);
  if (types.includes('object')) {
    out.propertyNames = { ...(out.propertyNames as Schema | undefined), ...NOT_PROTO };
    out.additionalProperties ??= ref('JsonValue');
  }
  const open = !('type' in out || '$ref' in out || 'anyOf' in out || 'allOf' in out || 'properties' in out);
  if (open && !('enum' in out || 'const' in out || 'not' in out)) out.$ref = '#/components/schemas/JsonValue';
  return out;
}

function schemas(limits: Limits): Record<string, Schema> {
  const all = bodySchemas(limits);
  for (const name of REQUEST_SCHEMAS) all[name] = refusingProtoKeys(all[name]!);
  return { ...all, ...decisionSchemas(limits), JsonValue: JSON_VALUE };
}

/**
 * A decision-log upload is any JSON array (of at most maxDecisionEvents values): an element that is not a
 * valid DecisionEvent does not fail the upload (OPA would retry it for ever) but is kept in the
 * dead-letter topic. So the body schema is the array; DecisionEvent says what a stored event is.
 */
function decisionSchemas(limits: Limits): Record<string, Schema> {
  const L = limits.maxLabelLength;
  const S = limits.maxStringLength;
  const J = `JSON, stored as text of at most ${limits.maxDecisionJsonLength} characters`;
  return {
    DecisionUpload: {
      type: 'array',
      maxItems: limits.maxDecisionEvents,
      items: { ...ref('JsonValue'), description: 'A DecisionEvent; any other value is dead-lettered' },
    },
    DecisionEvent: {
      type: 'object',
      required: ['decision_id', 'labels', 'timestamp'],
      properties: {
        decision_id: name(L),
        labels: {
          type: 'object',
          required: ['id'],
          maxProperties: limits.maxLabels,
          properties: { id: name(L), version: { type: 'string', maxLength: L } },
          additionalProperties: { type: 'string', maxLength: L },
        },
        timestamp: {
          type: 'string',
          pattern: TIMESTAMP_PATTERN,
          description: "RFC 3339, not Go's zero time",
        },
        path: text(S),
        query: text(S),
        input: { description: J },
        result: { description: J },
        mapped_result: { description: J },
        intermediate_results: { description: J },
        nd_builtin_cache: { description: J },
        error: { description: J },
        request_context: { description: J },
        rule_labels: { description: J },
        custom: { description: J },
        erased: { type: 'array', maxItems: limits.maxLabels, items: { type: 'string', maxLength: S } },
        masked: { type: 'array', maxItems: limits.maxLabels, items: { type: 'string', maxLength: S } },
        requested_by: text(S),
        trace_id: text(S),
        span_id: text(S),
        batch_decision_id: text(S),
        revision: text(S),
        req_id: { type: ['integer', 'null'], minimum: 0 },
        bundles: {
          type: 'object',
          maxProperties: limits.maxBundles,
          additionalProperties: { type: 'object', properties: { revision: text(S) } },
        },
        metrics: {
          type: 'object',
          maxProperties: limits.maxBundleMetrics,
          additionalProperties: { type: 'number' },
        },
      },
      additionalProperties: { description: 'Kept in extra_json: nothing OPA sends is dropped' },
    },
  };
}

function bodySchemas(limits: Limits): Record<string, Schema> {
  const L = limits.maxLabelLength;
  const S = limits.maxStringLength;
  const bundle: Schema = {
    type: 'object',
    description:
      'One bundle. Keys other than these are kept as JSON (at most ' +
      `${limits.maxJsonLength} characters together).`,
    properties: {
      name: text(L),
      active_revision: text(S),
      last_successful_download: timestamp,
      last_successful_activation: timestamp,
      last_request: timestamp,
      last_successful_request: timestamp,
      type: text(L),
      size: count(VALUE_RANGES.maxCount),
      code: text(S),
      message: text(S),
      http_code: count(VALUE_RANGES.maxHttpCode),
      errors: { type: ['array', 'null'], maxItems: limits.maxBundleErrors, items: ref('BundleError') },
      metrics: {
        type: ['object', 'null'],
        maxProperties: limits.maxBundleMetrics,
        propertyNames: { maxLength: L },
        description: 'Numbers are kept as metrics; other values as JSON.',
      },
    },
  };
  return {
    Error: {
      type: 'object',
      required: ['code', 'message', 'path'],
      properties: {
        code: { type: 'string', examples: ['INVALID_TYPE', 'BODY_TOO_LARGE', 'KAFKA_UNAVAILABLE'] },
        message: { type: 'string' },
        path: { type: ['string', 'null'], description: 'JSON path of the offending value, e.g. $.labels.id' },
      },
    },
    GitHubError: {
      type: 'object',
      required: ['message', 'documentation_url', 'status'],
      properties: {
        message: { type: 'string', examples: ['Not Found'] },
        documentation_url: { type: 'string', format: 'uri' },
        status: { type: 'string', examples: ['404'] },
      },
    },
    VersionReport: {
      type: 'object',
      required: ['id', 'version'],
      description: `Other keys are kept as JSON (at most ${limits.maxJsonLength} characters together).`,
      properties: {
        id: name(L),
        version: name(L),
        heap_usage_bytes: count(VALUE_RANGES.maxCount),
      },
    },
    StatusReport: {
      type: 'object',
      required: ['labels'],
      description:
        'An OPA status update. Keys other than these are kept as JSON (at most ' +
        `${limits.maxJsonLength} characters together).`,
      properties: {
        labels: ref('Labels'),
        bundles: {
          type: ['object', 'null'],
          maxProperties: limits.maxBundles,
          propertyNames: { maxLength: L },
          additionalProperties: ref('Bundle'),
        },
        bundle: { anyOf: [{ type: 'null' }, ref('Bundle')], description: 'deprecated single bundle' },
        discovery: { anyOf: [{ type: 'null' }, ref('Bundle')] },
        decision_logs: {
          type: ['object', 'null'],
          properties: { code: text(S), message: text(S), http_code: count(VALUE_RANGES.maxHttpCode) },
        },
        plugins: {
          type: ['object', 'null'],
          maxProperties: limits.maxPlugins,
          propertyNames: { maxLength: L },
          additionalProperties: {
            type: 'object',
            required: ['state'],
            properties: { state: name(L), message: text(S) },
          },
        },
        metrics: {
          type: ['object', 'null'],
          description: `Providers other than prometheus are kept as JSON (at most ${limits.maxJsonLength} characters).`,
          properties: { prometheus: ref('PrometheusMetrics') },
        },
      },
    },
    Labels: {
      type: 'object',
      required: ['id', 'version'],
      maxProperties: limits.maxLabels,
      propertyNames: { maxLength: L },
      properties: { id: name(L), version: name(L) },
      additionalProperties: { type: 'string', maxLength: L },
    },
    Bundle: bundle,
    BundleError: {
      type: 'object',
      properties: {
        code: text(S),
        message: text(S),
        location: {
          type: ['object', 'null'],
          properties: {
            file: text(S),
            row: count(VALUE_RANGES.maxPosition),
            col: count(VALUE_RANGES.maxPosition),
          },
        },
        details: { description: `Any JSON, at most ${limits.maxJsonLength} characters as JSON` },
      },
    },
    PrometheusMetrics: {
      type: ['array', 'object', 'null'],
      description:
        'Metric families: an array, or an object keyed by family name whose values may also be plain ' +
        `numbers (one untyped sample each). At most ${limits.maxSamples} samples over all families ` +
        '(one per counter, gauge or untyped metric; quantiles + 2 per summary; buckets + 3 per histogram).',
      maxItems: limits.maxMetricFamilies,
      items: {
        allOf: [ref('MetricFamily'), { required: ['name'], properties: { name: { type: 'string' } } }],
      },
      maxProperties: limits.maxMetricFamilies,
      propertyNames: { minLength: 1, maxLength: L },
      additionalProperties: { anyOf: [{ type: 'number' }, ref('MetricFamily')] },
    },
    MetricFamily: {
      type: 'object',
      description:
        'Go encoding/json spelling (snake_case, numeric type) or protobuf-JSON (camelCase, type names).',
      properties: {
        name: { type: ['string', 'null'], minLength: 1, maxLength: L },
        help: text(S),
        type: { enum: [0, 1, 2, 3, 4, 5, ...METRIC_TYPES, null] },
        unit: { ...text(L), description: 'client_model unit (`bytes`, `seconds`, ...); kept' },
        metric: { type: ['array', 'null'], items: ref('Metric') },
      },
      anyOf: familyTypeBranches(),
    },
    Metric: {
      type: 'object',
      properties: {
        label: {
          type: ['array', 'null'],
          maxItems: limits.maxMetricLabels,
          items: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string', maxLength: L }, value: text(L) },
          },
        },
      },
      allOf: [spelled('timestamp_ms', 'timestampMs', count(VALUE_RANGES.maxCount))],
    },
    SimpleValue: {
      type: 'object',
      properties: { value: double },
      allOf: [spelled('created_timestamp', 'createdTimestamp', ref('CreatedTimestamp'))],
    },
    CreatedTimestamp: {
      description:
        'When the counter, summary or histogram was created: RFC 3339 (protobuf-JSON) or a protobuf ' +
        'Timestamp as Go encoding/json writes it; kept in microseconds',
      anyOf: [
        timestamp,
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            seconds: {
              anyOf: [count(MAX_CREATED_SECONDS), { enum: [GO_ZERO_SECONDS, String(GO_ZERO_SECONDS)] }],
            },
            nanos: count(999_999_999),
          },
        },
      ],
    },
    SummaryValue: {
      type: 'object',
      properties: {
        quantile: {
          type: ['array', 'null'],
          items: { type: 'object', properties: { quantile: double, value: double } },
        },
      },
      allOf: [
        spelled('sample_count', 'sampleCount', count(VALUE_RANGES.maxCount)),
        spelled('sample_sum', 'sampleSum', double),
        spelled('created_timestamp', 'createdTimestamp', ref('CreatedTimestamp')),
      ],
    },
    HistogramValue: {
      type: 'object',
      properties: {
        bucket: {
          type: ['array', 'null'],
          items: {
            type: 'object',
            allOf: [
              spelled('upper_bound', 'upperBound', double),
              spelled('cumulative_count', 'cumulativeCount', count(VALUE_RANGES.maxCount)),
            ],
          },
        },
      },
      allOf: [
        spelled('sample_count', 'sampleCount', count(VALUE_RANGES.maxCount)),
        spelled('sample_sum', 'sampleSum', double),
        spelled('created_timestamp', 'createdTimestamp', ref('CreatedTimestamp')),
      ],
    },
    Double: {
      type: ['number', 'string', 'null'],
      pattern: DOUBLE_TEXT_PATTERN,
    },
    LatestReleaseReply: {
      type: 'object',
      properties: {
        latest: {
          type: 'object',
          required: ['download', 'release_notes', 'latest_release', 'opa_up_to_date'],
          properties: {
            download: { type: 'string', format: 'uri' },
            release_notes: { type: 'string', format: 'uri' },
            latest_release: { type: 'string', examples: ['v0.19.2'] },
            opa_up_to_date: { type: 'boolean' },
          },
        },
      },
    },
    GitHubRelease: everyPropertyRequired({
      type: 'object',
      properties: {
        url: { type: 'string' },
        html_url: { type: 'string' },
        assets_url: { type: 'string' },
        upload_url: { type: 'string' },
        tarball_url: { type: 'string' },
        zipball_url: { type: 'string' },
        id: { type: 'integer' },
        tag_name: { type: 'string', examples: ['v1.22.3'] },
        target_commitish: { type: 'string' },
        name: { type: 'string' },
        body: { type: 'string' },
        draft: { type: 'boolean' },
        prerelease: { type: 'boolean' },
        created_at: { type: ['string', 'null'], format: 'date-time' },
        published_at: { type: ['string', 'null'], format: 'date-time' },
        assets: { type: 'array', items: ref('GitHubReleaseAsset') },
      },
    }),
    GitHubReleaseAsset: everyPropertyRequired({
      type: 'object',
      properties: {
        url: { type: 'string' },
        id: { type: 'integer' },
        name: { type: 'string', examples: ['opa_linux_amd64'] },
        label: { type: ['string', 'null'] },
        content_type: { type: 'string' },
        state: { const: 'uploaded' },
        size: { type: 'integer' },
        download_count: { type: 'integer' },
        created_at: { type: ['string', 'null'], format: 'date-time' },
        updated_at: { type: ['string', 'null'], format: 'date-time' },
        browser_download_url: { type: 'string' },
      },
    }),
    Readiness: {
      type: 'object',
      required: ['status', 'ready', 'checks'],
      properties: {
        status: { enum: ['ready', 'not ready'] },
        ready: { type: 'boolean' },
        checks: { type: 'object', additionalProperties: { type: 'boolean' } },
      },
    },
  };
}

export function openApiDocument(config: OpenApiConfig, limits: Limits) {
  const auth = config.authTokens.length > 0;
  const partitionsRefused = config.topicPolicy.overflow === 'reject';
  const [served] = config.releaseRepositories;
  const [owner, repo] = (served ?? 'open-policy-agent/opa').split('/');

  const error = (description: string) => ({ description, content: json(ref('Error')) });
  const retryAfter = {
    'Retry-After': {
      required: true,
      description: 'Seconds to wait before retrying',
      schema: { type: 'integer', const: config.retryAfterSeconds },
    },
  };
  const unavailable = (what: string) => ({
    description: `${what} Retry after the given seconds.`,
    headers: retryAfter,
    content: json(ref('Error')),
  });
  const reportErrors = {
    '400': error(
      'Malformed JSON, empty body, invalid gzip, or a report that breaks the contract (code and JSON path)',
    ),
    '413': error(`Body larger than ${config.bodyLimitBytes} bytes (also after gzip decompression)`),
    '415': error('Content-Type other than application/json, or Content-Encoding other than gzip'),
    '503': unavailable('Kafka unavailable or too slow, or the gateway sheds load or shuts down.'),
  };
  const requestBody = (schema: string) => ({
    required: true,
    content: json(ref(schema)),
    description:
      `JSON, at most ${config.bodyLimitBytes} bytes; may be sent with \`Content-Encoding: gzip\` ` +
      '(the limit applies after decompression).',
  });
  const userAgent = {
    name: 'User-Agent',
    in: 'header',
    schema: { type: 'string', examples: ['Open Policy Agent/v0.12.3 (darwin, amd64)'] },
  };

  const statusOperation = (operationId: string, withPartition: boolean) => ({
    summary: withPartition ? 'Status update of an OPA in a named partition' : 'Status update of an OPA',
    description:
      'Produced to the status topic of the partition (the default status topic without one) and answered ' +
      'once Kafka acknowledged it. Partition names are mapped to topics by the topic policy; names without ' +
      (partitionsRefused
        ? 'a topic of their own are refused (403).'
        : 'a topic of their own go to the default topic with the name kept in the record.'),
    operationId,
    ...(auth ? { security: [{ bearer: [] }] } : {}),
    parameters: [
      userAgent,
      ...(withPartition
        ? [
            {
              name: 'partition',
              in: 'path',
              required: true,
              description:
                'Percent-decoded; a `/` in the name is sent as %2F (or unencoded, as OPA does). No control ' +
                'characters, not `.` or `..`.',
              schema: {
                type: 'string',
                minLength: 1,
                maxLength: config.topicPolicy.maxPartitionLength,
                pattern: '^[^\\u0000-\\u001f\\u007f]*$',
                not: { enum: ['.', '..'] },
              },
            },
          ]
        : []),
    ],
    requestBody: requestBody('StatusReport'),
    responses: {
      '200': {
        description: 'Acknowledged by Kafka',
        content: json({
          type: 'object',
          required: ['event_id'],
          properties: { event_id: { type: 'string', format: 'uuid' } },
        }),
      },
      ...reportErrors,
      ...(auth
        ? {
            '401': {
              description: 'The bearer token is missing (MISSING_TOKEN) or wrong (INVALID_TOKEN)',
              headers: { 'WWW-Authenticate': { required: true, schema: { type: 'string' } } },
              content: json(ref('Error')),
            },
          }
        : {}),
      ...(partitionsRefused
        ? {
            '403': error(
              'Partition refused by the topic policy (PARTITION_NOT_ALLOWED, PARTITION_LIMIT_REACHED)',
            ),
          }
        : {}),
    },
  });

  const releaseHeaders = {
    ETag: { required: true, description: 'Strong entity tag of the body', schema: { type: 'string' } },
    'Cache-Control': { required: true, schema: { type: 'string', const: 'no-cache' } },
  };
  const releaseOperation = (list: boolean, head: boolean) => {
    const ok = list ? { type: 'array', items: ref('GitHubRelease') } : ref('GitHubRelease');
    const content = (schema: Schema) => (head ? {} : { content: json(schema) });
    return {
      summary: list
        ? "Releases, newest first, in the shape of GitHub's API (the gateway knows the latest release only)"
        : "The latest release in the shape of GitHub's API (OPA 1.7+ version check)",
      operationId: `${head ? 'head' : 'get'}${list ? 'Releases' : 'LatestRelease'}`,
      parameters: [
        { name: 'owner', in: 'path', required: true, schema: { type: 'string', examples: [owner] } },
        { name: 'repo', in: 'path', required: true, schema: { type: 'string', examples: [repo] } },
        { name: 'If-None-Match', in: 'header', schema: { type: 'string' } },
        userAgent,
        ...(list
          ? ['page', 'per_page'].map((q) => ({
              name: q,
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 999_999_999 },
            }))
          : []),
      ],
      responses: {
        '200': {
          description: 'The release (each check is counted)',
          headers: releaseHeaders,
          ...content(ok),
        },
        '304': { description: 'If-None-Match matched the entity tag', headers: releaseHeaders },
        ...(list
          ? {
              '400': {
                description: 'page or per_page not a positive integer (INVALID_QUERY)',
                ...content(ref('Error')),
              },
            }
          : {}),
        '404': {
          description: `Repository not served (served: ${config.releaseRepositories.join(', ')}); GitHub's 404 JSON`,
          ...content(ref('GitHubError')),
        },
        '503': {
          description:
            'No release is known yet, Kafka is unavailable, or the gateway sheds load. Retry after the given seconds.',
          headers: retryAfter,
          ...content(ref('Error')),
        },
      },
    };
  };

  const logsOperation = (operationId: string, withPartition: boolean) => {
    const status = statusOperation(operationId, withPartition);
    return {
      ...status,
      summary: withPartition ? 'Decision-log upload of an OPA in a named partition' : 'Decision-log upload',
      description:
        "A chunk of OPA's decision-log plugin: a JSON array of decision events, gzipped as OPA sends it. " +
        'Every event is produced to the decisions topic of the partition before the 200; an element that is ' +
        'not a valid DecisionEvent (see components) does not fail the chunk: it is kept in the dead-letter ' +
        'topic and counted in `rejected`. 503 when Kafka cannot take every event: OPA sends the chunk again ' +
        'and the repeats collapse by decision_id.',
      requestBody: {
        required: true,
        content: json(ref('DecisionUpload')),
        description:
          `JSON array, at most ${config.logsBodyLimitBytes} bytes after \`Content-Encoding: gzip\` ` +
          'decompression (or sent plain).',
      },
      responses: {
        ...status.responses,
        '200': {
          description: 'Every valid event acknowledged by Kafka, every other element dead-lettered',
          content: json({
            type: 'object',
            required: ['accepted', 'rejected'],
            properties: {
              accepted: { type: 'integer', minimum: 0 },
              rejected: { type: 'integer', minimum: 0 },
            },
          }),
        },
        '400': error('Not a JSON array, malformed JSON, invalid gzip, or more events than allowed'),
        '413': error(`Body larger than ${config.logsBodyLimitBytes} bytes after gzip decompression`),
      },
    };
  };

  const read = (operationId: string, summary: string, responses: Record<string, unknown>) => {
    const headResponses = Object.fromEntries(
      Object.entries(responses).map(([code, r]) => [
        code,
        { description: (r as { description: string }).description },
      ]),
    );
    return {
      get: { operationId: `get${operationId}`, summary, responses },
      head: { operationId: `head${operationId}`, summary, responses: headResponses },
    };
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'OPA fleet ingest gateway',
      version: '1.0.0',
      description:
        "Accepts OPA's version reports, status updates and decision logs and writes them to Kafka (Avro); answers OPA 1.7+ " +
        "version checks in the shape of GitHub's release API. Any method not listed on a path here is " +
        `answered 405 with an Allow header (${REPORT_METHODS} on report paths, ${READ_METHODS} elsewhere); ` +
        "unknown paths 404 (GitHub's 404 JSON under /repos/). Lengths are in Unicode characters.",
    },
    paths: {
      '/v1/version': {
        post: {
          summary: 'Version report (anonymous telemetry, OPA before 1.7)',
          description:
            'Produced to the telemetry topic, then answered with the latest release for the client platform ' +
            '(from its User-Agent), or `{}` while no release is known.',
          operationId: 'postVersion',
          parameters: [userAgent],
          requestBody: requestBody('VersionReport'),
          responses: {
            '200': {
              description: 'Acknowledged by Kafka; the latest release, if known',
              content: json(ref('LatestReleaseReply')),
            },
            ...reportErrors,
          },
        },
      },
      '/status': { post: statusOperation('postStatus', false) },
      '/status/': { post: statusOperation('postStatusSlash', false) },
      '/status/{partition}': { post: statusOperation('postPartitionStatus', true) },
      '/logs': { post: logsOperation('postLogs', false) },
      '/logs/': { post: logsOperation('postLogsSlash', false) },
      '/logs/{partition}': { post: logsOperation('postPartitionLogs', true) },
      '/repos/{owner}/{repo}/releases/latest': {
        get: releaseOperation(false, false),
        head: releaseOperation(false, true),
      },
      '/repos/{owner}/{repo}/releases': {
        get: releaseOperation(true, false),
        head: releaseOperation(true, true),
      },
      '/healthz': read('Health', 'Liveness', {
        '200': {
          description: 'The process is up',
          content: json({ type: 'object', required: ['status'], properties: { status: { const: 'ok' } } }),
        },
      }),
      '/readyz': read('Readiness', 'Readiness: Kafka, topics, releases view, accepting', {
        '200': { description: 'Ready', content: json(ref('Readiness')) },
        '503': { description: 'Not ready (the failing checks are false)', content: json(ref('Readiness')) },
      }),
      '/metrics': read('Metrics', 'Prometheus metrics', {
        '200': {
          description: 'Prometheus text format',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
      }),
      '/openapi.json': read('OpenApi', 'This document', {
        '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) },
      }),
    },
    components: {
      ...(auth
        ? {
            securitySchemes: {
              bearer: { type: 'http', scheme: 'bearer', description: 'STATUS_AUTH_TOKENS' },
            },
          }
        : {}),
      responses: {
        MethodNotAllowed: {
          description: 'A method the path does not answer (any method not listed for it)',
          headers: { Allow: { required: true, schema: { enum: [REPORT_METHODS, READ_METHODS] } } },
          content: json(ref('Error')),
        },
      },
      schemas: schemas(limits),
    },
  };
}
