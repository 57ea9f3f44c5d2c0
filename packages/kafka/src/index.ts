export {
  type BatchConsumer,
  type BatchConsumerObserver,
  type BatchConsumerOptions,
  type BatchConsumerStatus,
  type BatchLimits,
  type BatchSink,
  createBatchConsumer,
  DEFAULT_BATCH_LIMITS,
  type FlushObservation,
  type RetryPolicy,
} from './batch-consumer';
export { createKafkaClient, type KafkaClientOptions } from './client';
export {
  type CompactedTopicView,
  type CompactedTopicViewOptions,
  createCompactedTopicView,
} from './compacted-topic-view';
export {
  type ConsumedRecord,
  createDeadLetterSink,
  DEAD_LETTER_HEADERS,
  type DeadLetter,
  type DeadLetterSink,
  deadLetterHeaders,
  type RecordFailure,
  recordFailure,
} from './dead-letter';
export { isKafkaError, KafkaError, type KafkaErrorCode } from './errors';
export {
  type BatchingProducer,
  createProducer,
  type OutgoingMessage,
  type ProducerOptions,
  type ProducerStats,
} from './producer';
export {
  createTopicAdmin,
  releasesTopicSpec,
  standardTopicSpecs,
  type TopicAdmin,
  type TopicLayout,
  type TopicSpec,
} from './topic-admin';
export {
  checkTopicPolicy,
  DEFAULT_TOPIC_POLICY,
  MAX_TOPIC_LENGTH,
  type PartitionedStream,
  type PartitionProblem,
  partitionProblem,
  partitionTopicName,
  type StatusRoute,
  statusTopicFor,
  type TopicNames,
  type TopicPolicy,
  topicNames,
} from './topic-policy';
