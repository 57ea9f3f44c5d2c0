// The release advisor against the real broker and a local fake of GitHub's releases API: publishes the
// latest release once, not again when unchanged (also across a restart), again when a newer one appears;
// the operator CLI publishes by hand.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ReleaseInfo, releaseCodec } from '@opa-fleet/contracts';
import { createLogger, createMetrics } from '@opa-fleet/runtime';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdvisorApp, buildApp } from '../src/app';
import { parsePublishArgs, publishByHand } from '../src/cli';
import { loadAdvisorConfig, loadKafkaEnv } from '../src/config';
import { createReleasesTopic } from '../src/releases-topic';
import { type FakeReleasesApi, startFakeReleasesApi } from './fake-releases-api';

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const logger = createLogger('release-advisor-test', { level: 'silent' });
const kafka = new Kafka({
  clientId: 'release-advisor-test',
  brokers: brokers.split(','),
  logLevel: logLevel.NOTHING,
});
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Every record on the (single-partition) topic, in order. */
async function readTopic(topic: string): Promise<{ key: string | null; release: ReleaseInfo }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const end = Number(offsets?.high ?? 0);
  if (end === 0) return [];
  const records: { key: string | null; release: ReleaseInfo }[] = [];
  const consumer = kafka.consumer({ groupId: `read-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        records.push({ key: message.key?.toString() ?? null, release: releaseCodec.decode(message.value!) });
        if (Number(message.offset) + 1 >= end) resolve();
      },
    });
  });
  await consumer.disconnect();
  return records;
}

describe('release advisor', () => {
  let api: FakeReleasesApi;
  const prefix = `test${randomUUID().slice(0, 8)}.`;
  const topic = `${prefix}releases`;
  const env = {
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    RETRY_MIN_MS: '100',
    RELEASES_POLL_INTERVAL_MS: '600000', // tests drive polls with refresh()
  };
  const running: AdvisorApp[] = [];

  async function startAdvisor(): Promise<AdvisorApp> {
    const app = buildApp(loadAdvisorConfig({ ...env, RELEASES_API_URL: api.url }), {
      logger,
      registry: createMetrics('release-advisor'),
    });
    running.push(app);
    await app.start();
    return app;
  }

  async function stopAdvisor(app: AdvisorApp): Promise<void> {
    await app.stop();
    running.splice(running.indexOf(app), 1);
  }

  beforeAll(async () => {
    api = await startFakeReleasesApi([
      {
        tag_name: 'v0.20.0',
        draft: true,
        html_url: 'https://github.com/open-policy-agent/opa/releases/tag/v0.20.0',
      },
      { tag_name: 'v0.20.0-rc1', prerelease: true },
      {
        tag_name: 'v0.19.2',
        html_url: 'https://github.com/open-policy-agent/opa/releases/tag/v0.19.2',
        published_at: '2020-03-10T12:00:00Z',
      },
      { tag_name: 'v0.19.1', html_url: 'https://github.com/open-policy-agent/opa/releases/tag/v0.19.1' },
    ]);
  });

  afterAll(async () => {
    await Promise.all(running.map((app) => app.stop()));
    await api.close();
  });

  it('publishes the latest non-draft, non-prerelease release once, and is ready and observable', async () => {
    const app = await startAdvisor();
    await app.advisor.refresh(); // the poll at start may still be in flight; refresh waits for one
    await app.advisor.refresh();

    const records = await readTopic(topic);
    expect(records).toHaveLength(1);
    expect(records[0]?.key).toBe('latest');
    expect(records[0]?.release).toMatchObject({
      channel: 'latest',
      tag: 'v0.19.2',
      release_notes: 'https://github.com/open-policy-agent/opa/releases/tag/v0.19.2',
      download_base: 'https://openpolicyagent.org/downloads',
      published_at: Date.parse('2020-03-10T12:00:00Z') * 1000,
      source: 'github',
    });
    expect(api.requests.some((r) => r.status === 304)).toBe(true);

    const base = `http://127.0.0.1:${app.port()}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/release_advisor_publications_total\{reason="first"[^}]*\} 1/);
    expect(metrics).toMatch(
      /release_advisor_source_fetches_total\{source="github",result="unchanged"[^}]*\} [1-9]/,
    );
    await stopAdvisor(app);
  });

  it('does not republish the same release after a restart', async () => {
    const app = await startAdvisor();
    await app.advisor.refresh();
    expect(await readTopic(topic)).toHaveLength(1);
    await stopAdvisor(app);
  });

  it('publishes again when the API gains a newer release, and survives API errors', async () => {
    const app = await startAdvisor();
    api.failures.push(500, 503);
    await app.advisor.refresh(); // fails: logged, not thrown
    api.releases = [
      { tag_name: 'v0.21.0', html_url: 'https://github.com/open-policy-agent/opa/releases/tag/v0.21.0' },
      ...api.releases,
    ];
    await app.advisor.refresh(); // second failure
    await app.advisor.refresh();

    const records = await readTopic(topic);
    expect(records.map((r) => r.release.tag)).toEqual(['v0.19.2', 'v0.21.0']);
    expect((await fetch(`http://127.0.0.1:${app.port()}/healthz`)).status).toBe(200);
    await stopAdvisor(app);
  });

  it('reads the releases topic again when started again after a stop (as a retried start-up does)', async () => {
    const releases = createReleasesTopic({ brokers: brokers.split(','), topic, logger });
    await releases.start();
    const before = releases.current('latest');
    expect(before?.tag).toBe('v0.21.0');
    await releases.stop();
    expect(releases.ready()).toBe(true); // what it read stays known

    await releases.start();
    expect(releases.ready()).toBe(true);
    expect(releases.current('latest')).toEqual(before);
    await releases.stop();
  });

  it('the CLI publishes a release by hand, refuses an older one without --force, and the advisor keeps it', async () => {
    const run = (args: string[]) =>
      promisify(execFile)('npx', ['tsx', cli, ...args], {
        cwd: repoRoot,
        env: { ...process.env, KAFKA_BROKERS: brokers, TOPIC_PREFIX: prefix, LOG_LEVEL: 'silent' },
      });

    const published = await run(['publish', 'v0.70.0', '--notes', 'https://notes.example/opa/v0.70.0']);
    expect(JSON.parse(published.stdout)).toMatchObject({
      published: true,
      reason: 'newer',
      previous: { tag: 'v0.21.0' },
    });

    const refused = await run(['publish', '0.60.0']);
    expect(JSON.parse(refused.stdout)).toMatchObject({ published: false, reason: 'older' });

    const bad = await run(['publish', 'edge']).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });

    // A running advisor whose catalog is older does not undo the hand-published release.
    const app = await startAdvisor();
    await app.advisor.refresh();
    await stopAdvisor(app);

    const records = await readTopic(topic);
    expect(records.map((r) => r.release.tag)).toEqual(['v0.19.2', 'v0.21.0', 'v0.70.0']);
    expect(records.at(-1)?.release).toMatchObject({
      source: 'cli',
      release_notes: 'https://notes.example/opa/v0.70.0',
    });
  });

  it('--force publishes an older release by hand (roll back)', async () => {
    const result = await publishByHand(
      parsePublishArgs(['publish', '0.21.0', '--force']),
      loadKafkaEnv({ KAFKA_BROKERS: brokers, TOPIC_PREFIX: prefix }),
      logger,
    );
    expect(result).toMatchObject({ published: true, reason: 'forced', previous: { tag: 'v0.70.0' } });
    const records = await readTopic(topic);
    expect(records.at(-1)?.release).toMatchObject({
      tag: 'v0.21.0',
      source: 'cli',
      release_notes: 'https://github.com/open-policy-agent/opa/releases/tag/v0.21.0',
    });
  });
});
