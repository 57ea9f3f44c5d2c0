// Public surface of @opa-fleet/kafka: the client, the gateway's producer, topic names, policy and
// administration, the compacted-topic view, and the loaders' batch consumer with its dead letters.

export { createKafkaClient } from './client';
export { type CompactedTopicView, createCompactedTopicView } from './compacted-topic-view';
export type { BatchLimits } from './consumer/accumulate-step';
export {
  type BatchConsumer,
  type BatchConsumerObserver,
  type BatchConsumerOptions,
  type BatchConsumerStatus,
  createBatchConsumer,
} from './consumer/batch-consumer';
export type { BatchSink } from './consumer/sink';
export type { FlushObservation } from './consumer/write-step';
export {
  type ConsumedRecord,
  createDeadLetterSink,
  DEAD_LETTER_HEADERS,
  type DeadLetterSink,
} from './dead-letter';
export { KafkaError, type KafkaErrorCode } from './errors';
export {
  type BatchingProducer,
  createProducer,
  type OutgoingMessage,
  type ProducerOptions,
} from './producer/producer';
export { createTopicAdmin, releasesTopicSpec, standardTopicSpecs, type TopicAdmin } from './topic-admin';
export {
  checkTopicPolicy,
  DEFAULT_TOPIC_POLICY,
  MAX_TOPIC_LENGTH,
  type PartitionedStream,
  partitionTopicName,
  type StatusRoute,
  statusTopicFor,
  type TopicNames,
  type TopicPolicy,
  topicNames,
} from './topic-policy';
