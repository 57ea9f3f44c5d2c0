import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOPIC_POLICY,
  KafkaError,
  MAX_TOPIC_LENGTH,
  partitionTopicName,
  statusTopicFor,
  type TopicPolicy,
  topicNames,
} from '../src/index';

const LEGAL = /^[A-Za-z0-9._-]{1,249}$/;
/** Kafka refuses a topic whose name equals an existing one after replacing `.` with `_`. */
const kafkaCollisionKey = (topic: string) => topic.replaceAll('.', '_');

describe('topicNames', () => {
  it('derives every topic from the prefix', () => {
    expect(topicNames('acme.')).toMatchObject({
      telemetry: 'acme.telemetry',
      versionChecks: 'acme.version-checks',
      status: 'acme.status',
      releases: 'acme.releases',
      deadLetter: 'acme.deadletter',
      decisions: 'acme.decisions',
    });
  });

  it('matches the default and partition decisions topics, apart from the status topics', () => {
    const { decisionTopicPattern, statusTopicPattern } = topicNames('opa.');
    expect(decisionTopicPattern.test('opa.decisions')).toBe(true);
    expect(decisionTopicPattern.test(partitionTopicName('opa.', 'prod', 'decisions'))).toBe(true);
    expect(decisionTopicPattern.test('opa.status.prod')).toBe(false);
    expect(statusTopicPattern.test(partitionTopicName('opa.', 'prod', 'decisions'))).toBe(false);
  });

  it('matches the default and partition status topics, nothing else', () => {
    const { statusTopicPattern } = topicNames('opa.');
    expect(statusTopicPattern.test('opa.status')).toBe(true);
    expect(statusTopicPattern.test('opa.status.prod')).toBe(true);
    expect(statusTopicPattern.test(partitionTopicName('opa.', 'ünïcødé/x'))).toBe(true);
    expect(statusTopicPattern.test('opa.telemetry')).toBe(false);
    expect(statusTopicPattern.test('opaXstatus')).toBe(false);
    expect(statusTopicPattern.test('opa.statusx')).toBe(false);
  });

  it('refuses an illegal prefix with INVALID_TOPIC_POLICY', () => {
    expect(() => topicNames('opa/')).toThrow(KafkaError);
    try {
      topicNames('bad prefix');
    } catch (err) {
      expect((err as KafkaError).code).toBe('INVALID_TOPIC_POLICY');
    }
  });
});

describe('partitionTopicName', () => {
  it('keeps plain names readable', () => {
    expect(partitionTopicName('opa.', 'prod-eu-1')).toBe('opa.status.prod-eu-1');
  });

  it('maps other characters to _ and adds a hash', () => {
    expect(partitionTopicName('opa.', 'a/b')).toMatch(/^opa\.status\.a_b\.[0-9a-f]{12}$/);
    expect(partitionTopicName('opa.', 'prod.eu')).toMatch(/^opa\.status\.prod_eu\.[0-9a-f]{12}$/);
    expect(partitionTopicName('opa.', '..')).toMatch(/^opa\.status\.__\.[0-9a-f]{12}$/);
    expect(partitionTopicName('opa.', 'zürich')).toMatch(/^opa\.status\.z_rich\.[0-9a-f]{12}$/);
  });

  it('distinguishes names that map to the same characters', () => {
    expect(partitionTopicName('opa.', 'a/b')).not.toBe(partitionTopicName('opa.', 'a.b'));
    expect(partitionTopicName('opa.', 'a_b')).not.toBe(partitionTopicName('opa.', 'a.b'));
  });

  it('cuts long names to the topic length limit', () => {
    const topic = partitionTopicName('opa.', 'x'.repeat(300));
    expect(topic.length).toBe(MAX_TOPIC_LENGTH);
    expect(topic).toMatch(LEGAL);
    expect(topic).not.toBe(partitionTopicName('opa.', 'x'.repeat(301)));
  });

  it('is deterministic', () => {
    expect(partitionTopicName('opa.', 'ü/ß')).toBe(partitionTopicName('opa.', 'ü/ß'));
  });

  it('always yields a legal name, and different names never share (or collide as) a topic', () => {
    const names = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.stringMatching(/^[a-z._-]{1,6}$/),
    );
    fc.assert(
      fc.property(names, names, (a, b) => {
        const ta = partitionTopicName('opa.', a);
        const tb = partitionTopicName('opa.', b);
        expect(ta).toMatch(LEGAL);
        if (a !== b) {
          expect(ta).not.toBe(tb);
          expect(kafkaCollisionKey(ta)).not.toBe(kafkaCollisionKey(tb));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('statusTopicFor, decisions stream', () => {
  it('routes decision-log partitions to decisions topics, capped on their own', () => {
    const policy = { ...DEFAULT_TOPIC_POLICY, maxAutoPartitions: 1 };
    expect(statusTopicFor(null, policy, new Set(), 'decisions')).toEqual({
      kind: 'default',
      topic: 'opa.decisions',
      partition: null,
    });
    expect(statusTopicFor('prod', policy, new Set(), 'decisions')).toMatchObject({
      kind: 'own',
      topic: 'opa.decisions.prod',
      newTopic: true,
    });
    expect(statusTopicFor('dev', policy, new Set(['opa.decisions.prod']), 'decisions')).toMatchObject({
      kind: 'overflow',
      topic: 'opa.decisions',
      partition: 'dev',
    });
  });
});

describe('statusTopicFor', () => {
  const policy: TopicPolicy = { ...DEFAULT_TOPIC_POLICY, allow: ['vip'], maxAutoPartitions: 2 };

  it('sends /status and /status/ (no partition) to the default topic', () => {
    expect(statusTopicFor(null, policy)).toEqual({ kind: 'default', topic: 'opa.status', partition: null });
  });

  it('gives a pattern-matching name its own topic while under the cap', () => {
    expect(statusTopicFor('prod', policy, new Set())).toEqual({
      kind: 'own',
      topic: 'opa.status.prod',
      partition: 'prod',
      allowListed: false,
      newTopic: true,
    });
    expect(statusTopicFor('prod', policy, new Set(['opa.status.prod', 'opa.status.dev']))).toMatchObject({
      kind: 'own',
      newTopic: false,
    });
  });

  it('overflows to the default topic, keeping the partition, when the cap is reached', () => {
    const full = new Set(['opa.status.a', 'opa.status.b']);
    expect(statusTopicFor('c', policy, full)).toEqual({
      kind: 'overflow',
      topic: 'opa.status',
      partition: 'c',
      reason: 'CAP',
    });
  });

  it('always routes allow-listed names to their own topic, even at the cap', () => {
    const full = new Set(['opa.status.a', 'opa.status.b']);
    expect(statusTopicFor('vip', policy, full)).toMatchObject({
      kind: 'own',
      topic: 'opa.status.vip',
      allowListed: true,
    });
  });

  it('overflows names outside the pattern', () => {
    expect(statusTopicFor('a/b', policy)).toMatchObject({
      kind: 'overflow',
      reason: 'PATTERN',
      partition: 'a/b',
    });
    expect(statusTopicFor('zürich', policy)).toMatchObject({ kind: 'overflow', reason: 'PATTERN' });
  });

  it('rejects instead of overflowing when configured to', () => {
    const strict = { ...policy, overflow: 'reject' as const };
    expect(statusTopicFor('a/b', strict)).toMatchObject({ kind: 'rejected', reason: 'PATTERN' });
    expect(statusTopicFor('c', strict, new Set(['opa.status.a', 'opa.status.b']))).toMatchObject({
      kind: 'rejected',
      reason: 'CAP',
    });
  });

  it.each([
    ['', 'EMPTY'],
    ['.', 'RESERVED'],
    ['..', 'RESERVED'],
    ['x'.repeat(201), 'TOO_LONG'],
    ['a\nb', 'CONTROL_CHARACTER'],
    ['a\ud800b', 'MALFORMED_UNICODE'],
  ])('rejects the invalid name %j (%s)', (name, reason) => {
    expect(statusTopicFor(name, policy)).toMatchObject({ kind: 'rejected', reason });
  });

  it('honours a custom prefix', () => {
    expect(statusTopicFor('prod', { ...policy, prefix: 'acme-' })).toMatchObject({
      topic: 'acme-status.prod',
    });
  });
});
