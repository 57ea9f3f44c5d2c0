// The releases view against the real broker: it knows what was published before it started, and follows
// what is published while it runs.
import { randomUUID } from 'node:crypto';
import { type ReleaseInfo, releaseCodec } from '@opa-fleet/contracts';
import { createLogger } from '@opa-fleet/runtime';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReleasesView, type ReleasesView } from '../src/releases-view';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const logger = createLogger('releases-view-test', { level: 'silent' });
const kafka = new Kafka({ clientId: 'releases-view-test', brokers, logLevel: logLevel.NOTHING });

function release(tag: string, channel = 'latest'): ReleaseInfo {
  return {
    channel,
    tag,
    release_notes: `https://github.com/open-policy-agent/opa/releases/tag/${tag}`,
    download_base: 'https://openpolicyagent.org/downloads',
    published_at: 1_580_000_000_000_000,
    source: 'test',
    updated_at: Date.now() * 1000,
  };
}

async function waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('releases view', () => {
  let producer: Producer;
  const views: ReleasesView[] = [];

  function view(topic: string): ReleasesView {
    const v = createReleasesView({ brokers, topic, logger });
    views.push(v);
    return v;
  }

  async function publish(topic: string, info: ReleaseInfo): Promise<void> {
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: info.channel, value: releaseCodec.encode(info) }],
    });
  }

  beforeAll(async () => {
    producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(views.map((v) => v.stop()));
    await producer.disconnect();
  });

  it('is ready and explicitly empty on a topic that does not exist yet, and creates it compacted', async () => {
    const topic = `test.releases.${randomUUID()}`;
    const v = view(topic);
    expect(v.ready()).toBe(false);
    await v.start();
    expect(v.ready()).toBe(true);
    expect(v.latest()).toBeNull();

    const admin = kafka.admin();
    await admin.connect();
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['cleanup.policy'] }],
    });
    await admin.disconnect();
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('compact');
  });

  it('knows the release published before it started, the last one per channel', async () => {
    const topic = `test.releases.${randomUUID()}`;
    await view(topic).start(); // creates the topic
    await publish(topic, release('v0.19.1'));
    await publish(topic, release('v0.19.2'));
    await publish(topic, release('v0.20.0-edge', 'edge'));

    const late = view(topic);
    await late.start();
    expect(late.ready()).toBe(true);
    expect(late.latest()?.tag).toBe('v0.19.2');
    expect(late.latest('latest')).toMatchObject({
      tag: 'v0.19.2',
      release_notes: 'https://github.com/open-policy-agent/opa/releases/tag/v0.19.2',
      source: 'test',
    });
    expect(late.latest('edge')?.tag).toBe('v0.20.0-edge');
    expect(late.latest('nope')).toBeNull();
  });

  it('follows a release published while it runs, without a restart', async () => {
    const topic = `test.releases.${randomUUID()}`;
    const v = view(topic);
    await v.start();
    await publish(topic, release('v0.19.2'));
    await waitFor(() => v.latest()?.tag === 'v0.19.2');
    const next = release('v0.20.0');
    await publish(topic, next);
    await waitFor(() => v.latest()?.tag === 'v0.20.0');
    expect(v.latest()).toEqual(next);
  });

  it('skips a record it cannot decode and forgets a channel on a tombstone', async () => {
    const topic = `test.releases.${randomUUID()}`;
    const v = view(topic);
    await v.start();
    await publish(topic, release('v0.19.2'));
    await producer.send({ topic, acks: -1, messages: [{ key: 'latest', value: Buffer.from('not avro') }] });
    await publish(topic, release('v1.0.0', 'stable'));
    await waitFor(() => v.latest('stable') !== null);
    expect(v.latest()?.tag).toBe('v0.19.2');

    await producer.send({ topic, acks: -1, messages: [{ key: 'stable', value: null }] });
    await waitFor(() => v.latest('stable') === null);
    expect(v.latest()?.tag).toBe('v0.19.2');
  });
});
