// The advisor's start-up against a releases topic that fails first: a just-created topic answers "not
// the leader" for a moment (seen on the 3-broker cluster), and Kafka may come up after the advisor.
// Retriable failures are waited out; a failure for good is thrown; a stop ends the wait.
import { KafkaError } from '@opa-fleet/kafka';
import { createLogger, createMetrics } from '@opa-fleet/runtime';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAdvisor } from '../src/advisor';
import type { ReleasesTopic } from '../src/releases-topic';

const logger = createLogger('advisor-start-test', { level: 'silent' });

/** A releases topic whose start() fails with the given errors, in turn, then succeeds. */
function flakyTopic(failures: Error[]): ReleasesTopic & { starts: number } {
  let ready = false;
  return {
    name: 'test.releases',
    starts: 0,
    async start() {
      this.starts += 1;
      const failure = failures.shift();
      if (failure) throw failure;
      ready = true;
    },
    current: () => null,
    publish: async () => {},
    ready: () => ready,
    stop: async () => {},
  };
}

function advisorOn(topic: ReleasesTopic) {
  return createAdvisor({
    sources: [],
    topic,
    channel: 'latest',
    downloadBase: 'https://openpolicyagent.org/downloads',
    retryMinMs: 1_000,
    logger,
    registry: createMetrics('release-advisor'),
  });
}

const notLeader = () =>
  new KafkaError('KAFKA_UNAVAILABLE', 'cannot read test.releases: This server is not the leader', {
    retriable: true,
  });

describe('advisor start-up', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('retries the releases topic while it fails retriably, then is ready', async () => {
    const topic = flakyTopic([notLeader(), notLeader()]);
    const advisor = advisorOn(topic);
    let started = false;
    const start = advisor.start().then(() => {
      started = true;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(started).toBe(false);
    expect(advisor.ready()).toBe(false);
    await vi.advanceTimersByTimeAsync(5_000);
    await start;
    expect(topic.starts).toBe(3);
    expect(advisor.ready()).toBe(true);
    await advisor.stop();
  });

  it('throws a failure for good without retrying it', async () => {
    const forGood = new KafkaError(
      'TOPIC_ADMIN_FAILED',
      'creating test.releases failed: Topic authorization failed',
      {
        retriable: false,
      },
    );
    const topic = flakyTopic([forGood]);
    await expect(advisorOn(topic).start()).rejects.toBe(forGood);
    expect(topic.starts).toBe(1);
  });

  it('stops waiting when stopped, without an error and without polling', async () => {
    const topic = flakyTopic(Array.from({ length: 100 }, notLeader));
    const advisor = advisorOn(topic);
    const start = advisor.start();
    await vi.advanceTimersByTimeAsync(2_000);
    const triesBeforeStop = topic.starts;
    expect(triesBeforeStop).toBeGreaterThan(1);
    await advisor.stop();
    await vi.advanceTimersByTimeAsync(20_000);
    await expect(start).resolves.toBeUndefined();
    expect(topic.starts).toBeLessThanOrEqual(triesBeforeStop + 1);
    expect(advisor.ready()).toBe(false);
  });
});
