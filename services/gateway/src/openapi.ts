// The gateway's OpenAPI 3.1 document, served at GET /openapi.json. Hand-written: the request bodies are
// OPA's own formats (documented by OPA and normalized by @opa-fleet/contracts), so only their outline is
// described here; the precise rules live in the normalizers and their error paths.

const errorBody = {
  type: 'object',
  required: ['code', 'message', 'path'],
  properties: {
    code: { type: 'string', examples: ['INVALID_TYPE', 'BODY_TOO_LARGE', 'KAFKA_UNAVAILABLE'] },
    message: { type: 'string' },
    path: { type: ['string', 'null'], description: 'JSON path of the offending value, e.g. $.labels.id' },
  },
} as const;

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const unavailable = {
  description: 'Kafka unavailable or too slow, or the gateway sheds load. Retry after the given seconds.',
  headers: { 'Retry-After': { schema: { type: 'integer' } } },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

const commonErrors = {
  '400': errorResponse(
    'Malformed JSON, empty body, invalid gzip, or a report that breaks the contract (code, path)',
  ),
  '413': errorResponse('Body larger than the limit (also after gzip decompression)'),
  '415': errorResponse('Content-Type other than application/json, or Content-Encoding other than gzip'),
  '503': unavailable,
};

const requestBody = (schema: string) => ({
  required: true,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
  description:
    'JSON; may be sent with `Content-Encoding: gzip` (the size limit applies after decompression).',
});

const statusOperation = (withPartition: boolean) => ({
  summary: withPartition ? 'Status update of an OPA in a named partition' : 'Status update of an OPA',
  description:
    'Produced to the status topic of the partition (`opa.status` without one) and answered once Kafka acknowledged it. ' +
    'Partition names are mapped to topics by the documented topic policy; names without a topic of their own go to the ' +
    'default topic with the name kept in the record.',
  operationId: withPartition ? 'postPartitionStatus' : 'postStatus',
  security: [{}, { bearer: [] }],
  parameters: withPartition
    ? [
        {
          name: 'partition',
          in: 'path',
          required: true,
          schema: { type: 'string', minLength: 1, maxLength: 200 },
          description: 'Percent-decoded; `/` must be sent as %2F.',
        },
      ]
    : [],
  requestBody: requestBody('StatusReport'),
  responses: {
    '200': {
      description: 'Acknowledged by Kafka',
      content: {
        'application/json': {
          schema: { type: 'object', properties: { event_id: { type: 'string', format: 'uuid' } } },
        },
      },
    },
    ...commonErrors,
    '401': errorResponse(
      'Auth is on and the bearer token is missing (MISSING_TOKEN) or wrong (INVALID_TOKEN)',
    ),
    '403': errorResponse(
      'Partition refused by the topic policy (PARTITION_NOT_ALLOWED, PARTITION_LIMIT_REACHED)',
    ),
  },
});

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'OPA fleet ingest gateway',
    version: '1.0.0',
    description: "Accepts OPA's version reports and status updates and writes them to Kafka (Avro).",
  },
  paths: {
    '/v1/version': {
      post: {
        summary: 'Version report (anonymous telemetry)',
        description:
          'Produced to the telemetry topic, then answered with the latest release for the client platform ' +
          '(from its User-Agent), or `{}` while no release is known.',
        operationId: 'postVersion',
        parameters: [
          {
            name: 'User-Agent',
            in: 'header',
            schema: { type: 'string', examples: ['Open Policy Agent/v0.12.3 (darwin, amd64)'] },
          },
        ],
        requestBody: requestBody('VersionReport'),
        responses: {
          '200': {
            description: 'Acknowledged by Kafka; the latest release, if known',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/LatestReleaseReply' } } },
          },
          ...commonErrors,
        },
      },
    },
    '/status': { post: statusOperation(false) },
    '/status/': { post: { ...statusOperation(false), operationId: 'postStatusSlash' } },
    '/status/{partition}': { post: statusOperation(true) },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'Only when auth is configured' },
    },
    schemas: {
      Error: errorBody,
      VersionReport: {
        type: 'object',
        required: ['id', 'version'],
        properties: {
          id: { type: 'string' },
          version: { type: 'string' },
          heap_usage_bytes: { type: ['string', 'integer'] },
        },
        additionalProperties: true,
      },
      StatusReport: {
        type: 'object',
        required: ['labels'],
        properties: {
          labels: {
            type: 'object',
            required: ['id', 'version'],
            properties: { id: { type: 'string' }, version: { type: 'string' } },
            additionalProperties: { type: 'string' },
          },
          bundles: { type: 'object', additionalProperties: { type: 'object' } },
          bundle: { type: 'object', description: 'deprecated single bundle' },
          discovery: { type: 'object' },
          decision_logs: { type: 'object' },
          plugins: { type: 'object', additionalProperties: { type: 'object' } },
          metrics: {
            type: 'object',
            properties: {
              prometheus: { type: ['array', 'object'], description: 'metric families, either spelling' },
            },
            additionalProperties: true,
          },
        },
        additionalProperties: true,
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
    },
  },
} as const;
