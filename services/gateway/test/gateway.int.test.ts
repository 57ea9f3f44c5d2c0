// The gateway as its own process (services/gateway/src/main.ts) against the real broker: every shared
// fixture posted over HTTP lands on the right topic and decodes to what the normalizer makes of it;
// /status and /status/ use the default topic, two partitions two topics; graceful shutdown loses nothing
// it acknowledged; with Kafka unreachable it answers 503 + Retry-After quickly and stays healthy; overloaded,
// it refuses with 503 + Retry-After, keeps every report it acknowledged, and serves normally again.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  normalizeStatus,
  normalizeTelemetry,
  releaseCodec,
  type StatusReport,
  statusCodec,
  type TelemetryReport,
  telemetryCodec,
} from '@opa-fleet/contracts';
import { createKafkaClient, partitionTopicName, topicNames } from '@opa-fleet/kafka';
import type { Consumer } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixtureNames,
  readFixture,
  readFixtureText,
  realOpaStatusBodies,
} from '../../../test/support/fixtures';
import { freePort } from '../../../test/support/pipeline-harness';

const brokers = process.env.KAFKA_BROKERS ?? '';
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const logger = pino({ level: 'warn' });
const UA = 'Open Policy Agent/v0.12.3 (linux, arm64)';
const GATEWAY_ID = 'gw-int';

interface Gateway {
  url: string;
  child: ChildProcess;
  output: string[];
  exit: Promise<number | null>;
}

async function startGateway(env: Record<string, string>, waitReady = true): Promise<Gateway> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/gateway/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', GATEWAY_ID, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const gateway = { url: `http://127.0.0.1:${port}`, child, output, exit };
  const path = waitReady ? '/readyz' : '/healthz';
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(gateway.url + path).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return gateway;
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`gateway did not get ${path} 200:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopGateway(g: Gateway | undefined): Promise<number | null> {
  if (!g) return null;
  if (g.child.exitCode === null) g.child.kill('SIGTERM');
  return g.exit;
}

const post = (g: Gateway, path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(g.url + path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'user-agent': UA, ...headers },
  });

type Seen = Map<string, { topic: string; key: string; value: Buffer }>;

/** Reads `topics` from the beginning until every wanted event_id was seen (and `also` holds); event_id -> record. */
async function collect(
  topicsToRead: (string | RegExp)[],
  wanted: Set<string>,
  also: (seen: Seen) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<Map<string, { topic: string; key: string; value: Buffer }>> {
  const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'gw-int-reader', logger });
  const consumer: Consumer = kafka.consumer({ groupId: `gw-int-${randomUUID()}` });
  const seen = new Map<string, { topic: string; key: string; value: Buffer }>();
  await consumer.connect();
  await consumer.subscribe({ topics: topicsToRead, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`saw ${[...wanted].filter((id) => seen.has(id)).length}/${wanted.size} records`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ topic, message }) => {
          const codec = topic.endsWith('.telemetry') ? telemetryCodec : statusCodec;
          const record = codec.decode(message.value!) as { event_id: string };
          seen.set(record.event_id, { topic, key: message.key!.toString(), value: message.value! });
          if ([...wanted].every((id) => seen.has(id)) && also(seen)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

describe('gateway with real Kafka', () => {
  const prefix = `it-gw-${randomUUID().slice(0, 8)}.`;
  const names = topicNames(prefix);
  let gateway: Gateway | undefined;

  beforeAll(async () => {
    expect(brokers).not.toBe('');
    gateway = await startGateway({
      KAFKA_BROKERS: brokers,
      TOPIC_PREFIX: prefix,
      STATUS_PARTITION_ALLOW: 'a/b',
    });
  });

  afterAll(async () => {
    await stopGateway(gateway);
  });

  it('is ready only with the allow-listed partition topics made, every partition led, before any upload', async () => {
    const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'gw-int-admin', logger });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const wanted = (['status', 'decisions'] as const).map((s) => partitionTopicName(prefix, 'a/b', s));
      const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
      expect(topics.map((t) => t.name).sort()).toEqual([...wanted].sort());
      for (const t of topics) {
        expect(t.partitions.length, t.name).toBe(3); // TOPIC_PARTITIONS' default
        expect(
          t.partitions.every((p) => p.leader >= 0),
          t.name,
        ).toBe(true);
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('lands every fixture on the right topic, decoding to the same content', async () => {
    const g = gateway!;
    const sent: {
      eventId: string;
      fixture: string;
      path: string;
      topic: string;
      partition: string | null;
    }[] = [];
    const plan: [string, string, string | null][] = [
      ['/status', names.status, null],
      ['/status/', names.status, null],
      ['/status/alpha', `${names.status}.alpha`, 'alpha'],
      ['/status/beta', `${names.status}.beta`, 'beta'],
      ['/status/a%2Fb', expect.stringMatching(/\.status\.a_b\.[0-9a-f]{12}$/) as unknown as string, 'a/b'],
    ];
    for (const fixture of fixtureNames().filter((n) => n.startsWith('status-'))) {
      for (const [path, topic, partition] of plan) {
        const response = await post(g, path, readFixtureText(fixture));
        expect(response.status, `${fixture} -> ${path}`).toBe(200);
        const { event_id } = (await response.json()) as { event_id: string };
        sent.push({ eventId: event_id, fixture, path, topic, partition });
      }
    }
    const version = await post(g, '/v1/version', readFixtureText('telemetry-request.json'));
    expect(version.status).toBe(200);
    expect(await version.json()).toEqual({}); // no release published under this prefix

    const seen = await collect(
      [names.telemetry, names.statusTopicPattern],
      new Set(sent.map((s) => s.eventId)),
      (records) => [...records.values()].some((r) => r.topic === names.telemetry),
    );
    for (const s of sent) {
      const got = seen.get(s.eventId)!;
      expect(got.topic, `${s.fixture} -> ${s.path}`).toEqual(s.topic);
      const record = statusCodec.decode(got.value) as StatusReport;
      const expected = normalizeStatus(readFixture(s.fixture), {
        eventId: s.eventId,
        receivedAt: record.received_at,
        gatewayId: GATEWAY_ID,
        userAgent: UA,
        partition: s.partition,
      });
      expect(record).toEqual(expected);
      expect(got.key).toBe(expected.labels.id);
    }
    const telemetry = [...seen.values()].filter((r) => r.topic === names.telemetry);
    expect(telemetry).toHaveLength(1);
    const record = telemetryCodec.decode(telemetry[0]!.value) as TelemetryReport;
    expect(record).toEqual(
      normalizeTelemetry(readFixture('telemetry-request.json'), {
        eventId: record.event_id,
        receivedAt: record.received_at,
        gatewayId: GATEWAY_ID,
        userAgent: UA,
      }),
    );
    expect(record.client).toMatchObject({ os: 'linux', arch: 'arm64' });
  });

  it('follows the releases topic: a published release reaches replies without a restart', async () => {
    const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'gw-int-release', logger });
    const producer = kafka.producer();
    await producer.connect();
    const release = {
      channel: 'latest',
      tag: 'v0.70.0',
      release_notes: 'https://github.com/open-policy-agent/opa/releases/tag/v0.70.0',
      download_base: 'https://openpolicyagent.org/downloads',
      published_at: null,
      source: 'cli',
      updated_at: Date.now() * 1000,
    };
    await producer.send({
      topic: names.releases,
      messages: [{ key: 'latest', value: releaseCodec.encode(release) }],
    });
    await producer.disconnect();
    const body = readFixtureText('telemetry-request.json');
    const ask = async (ua: string, payload = body) =>
      (await post(gateway!, '/v1/version', payload, { 'user-agent': ua })).json();
    const deadline = Date.now() + 20_000;
    let reply = (await ask(UA)) as { latest?: { latest_release: string } };
    while (!reply.latest && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      reply = (await ask(UA)) as { latest?: { latest_release: string } };
    }
    expect(reply).toEqual({
      latest: {
        download: 'https://openpolicyagent.org/downloads/v0.70.0/opa_linux_arm64_static',
        release_notes: release.release_notes,
        latest_release: 'v0.70.0',
        opa_up_to_date: false,
      },
    });
    // opa_up_to_date compares the version in the report body.
    const current = JSON.stringify({ ...(JSON.parse(body) as object), version: 'v0.70.0' });
    expect(await ask('Open Policy Agent/v0.70.0 (windows, amd64)', current)).toMatchObject({
      latest: {
        download: 'https://openpolicyagent.org/downloads/v0.70.0/opa_windows_amd64.exe',
        opa_up_to_date: true,
      },
    });
  });

  it('refuses a literal /status/.. (sent unnormalized over HTTP) with 400 INVALID_PARTITION', async () => {
    const url = new URL(gateway!.url);
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/status/..',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      req.end(readFixtureText('status-full.json'));
    });
    expect(status).toBe(400);
    expect(JSON.parse(body)).toEqual({
      code: 'INVALID_PARTITION',
      message: 'partition name ".." is reserved',
      path: null,
    });
  });

  it('exposes the produce metrics after real acknowledgements', async () => {
    const text = await (await fetch(`${gateway!.url}/metrics`)).text();
    expect(text).toMatch(/kafka_produce_batch_seconds_count\{[^}]*outcome="ok"[^}]*\} [1-9]/);
    expect(text).toMatch(
      /gateway_reports_accepted_total\{kind="status",route="own",service="gateway"\} [1-9]/,
    );
  });

  it('shuts down gracefully: in-flight requests are answered and what got 200 is in Kafka', async () => {
    // A long linger keeps the records in the producer while the signal arrives.
    const g = await startGateway({ KAFKA_BROKERS: brokers, TOPIC_PREFIX: prefix, PRODUCER_LINGER_MS: '400' });
    const body = readFixtureText('status-full.json');
    let answered = 0;
    const inFlight = Array.from({ length: 40 }, () =>
      post(g, '/status', body).then(
        async (r) => {
          answered += 1;
          return {
            status: r.status,
            eventId: r.ok ? ((await r.json()) as { event_id: string }).event_id : null,
          };
        },
        () => ({ status: 0, eventId: null }),
      ),
    );
    // The signal once the gateway has taken on all 40 (in flight, or answered already on a slow machine):
    // a request still in the client or the kernel's accept queue is not in flight, and is refused.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const text = await (await fetch(`${g.url}/metrics`)).text();
      const held = Number(/^gateway_in_flight_requests (\d+)/m.exec(text)?.[1] ?? 0);
      if (held + answered >= 40) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    g.child.kill('SIGTERM');
    const results = await Promise.all(inFlight);
    expect(await g.exit, g.output.join('')).toBe(0);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    const acknowledged = results.map((r) => r.eventId!);
    const seen = await collect([names.status], new Set(acknowledged));
    expect(acknowledged.every((id) => seen.has(id))).toBe(true);
  });
});

describe('gateway with Kafka unreachable', () => {
  let gateway: Gateway | undefined;

  afterAll(async () => {
    await stopGateway(gateway);
  });

  it('answers 503 + Retry-After within a bounded time and stays healthy', async () => {
    const closedPort = await freePort(); // nothing listens there
    gateway = await startGateway(
      { KAFKA_BROKERS: `127.0.0.1:${closedPort}`, TOPIC_PREFIX: 'it-down.', RETRY_AFTER_SECONDS: '3' },
      false,
    );
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(503);
    for (const [path, body] of [
      ['/status', readFixtureText('status-full.json')],
      ['/status/prod', readFixtureText('status-full.json')],
      ['/v1/version', readFixtureText('telemetry-request.json')],
    ] as const) {
      const started = Date.now();
      const response = await post(gateway, path, body);
      expect(Date.now() - started, path).toBeLessThan(2000);
      expect(response.status, path).toBe(503);
      expect(response.headers.get('retry-after')).toBe('3');
      expect(await response.json()).toMatchObject({ code: 'KAFKA_UNAVAILABLE', path: null });
    }
    const burst = await Promise.all(
      Array.from({ length: 50 }, () => post(gateway!, '/status', readFixtureText('status-full.json'))),
    );
    expect(burst.every((r) => r.status === 503)).toBe(true);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    expect(gateway.child.exitCode).toBeNull();
    expect(await stopGateway(gateway)).toBe(0);
    gateway = undefined;
  });
});

describe('gateway under overload', () => {
  const prefix = `it-gw-ovl-${randomUUID().slice(0, 8)}.`;
  const names = topicNames(prefix);
  const INITIAL = 16;
  const BURST = 300;
  // The real OPA v1.22.3 status update with Prometheus metrics (71 KB): the body that overloads a gateway.
  const body = realOpaStatusBodies().find(
    (b) => b.opaVersion === 'v1.22.3' && b.name === 'status-prometheus.json',
  )!.text;
  let gateway: Gateway | undefined;

  beforeAll(async () => {
    gateway = await startGateway({
      KAFKA_BROKERS: brokers,
      TOPIC_PREFIX: prefix,
      ADMISSION_INITIAL_IN_FLIGHT: String(INITIAL),
      ADMISSION_MIN_IN_FLIGHT: '2',
      // Above what an idle gateway measures on a busy CI machine (its event loop a few tens of ms late), so
      // the limit's return after the burst does not depend on the machine's neighbours.
      ADMISSION_TARGET_LATENCY_MS: '500',
    });
  });

  afterAll(async () => {
    await stopGateway(gateway);
  });

  const limitNow = async (g: Gateway) => {
    const text = await (await fetch(`${g.url}/metrics`)).text();
    return Number(/^gateway_admission_limit(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1]);
  };

  /**
   * Headers at once, the body `delayMs` later: an admitted request holds its slot until answered, so a
   * burst of these is over the limit inside the gateway whatever the machine's speed (a burst of whole
   * requests is spread by the accept rate, one connection per event-loop iteration, and a fast gateway
   * may answer each before the next is read).
   */
  const postSlowly = (g: Gateway, delayMs: number) =>
    new Promise<{ status: number; retryAfter: string | null; body: { event_id?: string; code?: string } }>(
      (resolve, reject) => {
        const payload = Buffer.from(body);
        const req = httpRequest(
          `${g.url}/status`,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'user-agent': UA,
              'content-length': payload.length,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (c: Buffer) => chunks.push(c));
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                retryAfter: (response.headers['retry-after'] as string | undefined) ?? null,
                body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
              }),
            );
          },
        );
        req.on('error', reject);
        req.flushHeaders();
        setTimeout(() => req.end(payload), delayMs);
      },
    );

  it('answers 503 + Retry-After beyond its limit, keeps every report it acknowledged, and recovers', async () => {
    const g = gateway!;
    expect((await post(g, '/status', body)).status).toBe(200); // topics made, code paths warm
    const answers = await Promise.all(Array.from({ length: BURST }, () => postSlowly(g, 300)));
    const accepted = answers.filter((a) => a.status === 200);
    const shed = answers.filter((a) => a.status === 503);
    expect(accepted.length + shed.length).toBe(BURST); // nothing else: no 500, no dropped connection
    expect(accepted.length).toBeGreaterThanOrEqual(INITIAL / 2);
    expect(shed.length).toBeGreaterThan(0);
    for (const refusal of shed) {
      expect(refusal.retryAfter).toBe('5');
      expect(refusal.body.code).toBe('OVERLOADED');
    }

    // Recovery: once the burst is answered, the limit is back where a quiet gateway has it within 5 s, and
    // a burst that fits it is served whole.
    const burstEnded = performance.now();
    while ((await limitNow(g)) < INITIAL && performance.now() - burstEnded < 5000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await limitNow(g)).toBeGreaterThanOrEqual(INITIAL);
    const after = await Promise.all(
      Array.from({ length: INITIAL - 4 }, async () => {
        const response = await post(g, '/status', body);
        return { status: response.status, body: (await response.json()) as { event_id: string } };
      }),
    );
    expect(after.map((a) => a.status)).toEqual(after.map(() => 200));

    // Every acknowledged report is in Kafka.
    const wanted = new Set([...accepted, ...after].map((a) => a.body.event_id!));
    const seen = await collect([names.status], wanted, () => true, 60_000);
    expect([...wanted].filter((id) => !seen.has(id))).toEqual([]);
  }, 120_000);
});
