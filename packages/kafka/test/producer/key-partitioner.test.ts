// The remembering partitioner answers exactly what kafkajs's default partitioner answers.
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { rememberingKeyPartitioner } from '../../src/producer/key-partitioner';

const partitions = (n: number, leaderless: number[] = []): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));

describe('rememberingKeyPartitioner', () => {
  it('puts every keyed record where the default partitioner does, repeated keys and other counts included', () => {
    const remembering = rememberingKeyPartitioner();
    const defaults = Partitioners.DefaultPartitioner();
    const keys = ['instance-1', 'instance-1', 'instance-1', 'instance-2', 'instance-1', 'é', ''];
    for (const count of [1, 3, 7, 3]) {
      for (const key of keys) {
        const args = { topic: 't', partitionMetadata: partitions(count), message: { key, value: 'v' } };
        expect(remembering(args)).toBe(defaults(args));
      }
    }
  });

  it('keeps an explicit partition and spreads keyless records over partitions with a leader', () => {
    const remembering = rememberingKeyPartitioner();
    const metadata = partitions(3, [1]);
    const explicit = {
      topic: 't',
      partitionMetadata: metadata,
      message: { key: 'k', value: 'v', partition: 2 },
    };
    expect(remembering(explicit)).toBe(2);
    const seen = new Set(
      Array.from({ length: 20 }, () =>
        remembering({ topic: 't', partitionMetadata: metadata, message: { key: null, value: 'v' } }),
      ),
    );
    expect([...seen].sort()).toEqual([0, 2]);
  });
});
