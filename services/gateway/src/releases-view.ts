// The gateway's in-memory view of the compacted releases topic: read from the beginning at start,
// then followed, so a release the advisor publishes reaches version replies without a restart.
//
// Every gateway reads the whole topic in a private consumer group (see @opa-fleet/kafka's
// compacted-topic-view for why). Cost: one group join per start.

import { type RecordCodec, type ReleaseInfo, releaseCodec } from '@opa-fleet/contracts';
import { createCompactedTopicView, createKafkaClient, releasesTopicSpec } from '@opa-fleet/kafka';
import type { Logger } from '@opa-fleet/runtime';
import type { Kafka } from 'kafkajs';

export interface ReleasesViewOptions {
  brokers: string[];
  /** The compacted releases topic (`opa.releases`). */
  topic: string;
  logger: Logger;
  /** Prefix of the per-process consumer group id. */
  groupIdPrefix?: string;
  clientId?: string;
  /**
   * Create the topic (compacted, one partition) when it does not exist yet, so a gateway started before
   * the advisor is ready with an explicitly empty view and still follows the first release. Turn off where
   * gateways lack the CreateTopics permission (the view then fails to start until the topic exists).
   */
  createTopicIfMissing?: boolean;
  /** Replication factor when the view creates the topic; 1 by default (dev/CI), 3 in production. */
  replicationFactor?: number;
  /** An existing kafkajs client of the process; one is created otherwise. */
  kafka?: Kafka;
  /** Decoder for records; defaults to the contracts' Avro codec. */
  codec?: RecordCodec<ReleaseInfo>;
}

export interface ReleasesView {
  /**
   * Connects, joins a private group and resolves once every record up to the high-water marks seen at
   * start has been applied (at once for an empty topic). Rejects when Kafka cannot be reached.
   */
  start(): Promise<void>;
  /** The release for a channel (record key), or null while none is known. */
  latest(channel?: string): ReleaseInfo | null;
  /** True once start() caught up; stays true while following (the last known release stays valid). */
  ready(): boolean;
  stop(): Promise<void>;
}

export function createReleasesView(options: ReleasesViewOptions): ReleasesView {
  const { brokers, topic, logger } = options;
  const log = logger.child({ component: 'releases-view', topic });
  const kafka =
    options.kafka ??
    createKafkaClient({ brokers, clientId: options.clientId ?? 'opa-gateway-releases-view', logger: log });
  let started = false;
  const view = createCompactedTopicView<ReleaseInfo>({
    kafka,
    topic,
    codec: options.codec ?? releaseCodec,
    logger: log,
    groupIdPrefix: options.groupIdPrefix ?? 'opa-gateway-releases',
    createWith:
      options.createTopicIfMissing === false
        ? undefined
        : releasesTopicSpec(topic, options.replicationFactor ?? 1),
    keyOf: (release) => release.channel,
    onChange: (channel, release) =>
      release
        ? log.info({ channel, tag: release.tag }, 'release known')
        : log.info({ channel }, 'release withdrawn'),
  });

  return {
    async start() {
      if (started) throw new Error('releases view already started');
      started = true;
      try {
        await view.start();
      } catch (err) {
        started = false;
        throw err;
      }
      log.info({ channels: view.entries().map(([channel]) => channel) }, 'releases view caught up');
    },
    latest: (channel = 'latest') => view.get(channel),
    ready: () => view.ready(),
    stop: () => view.stop(),
  };
}
