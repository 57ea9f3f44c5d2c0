// The advisor's loop: poll each source, keep the last good list of each, compute the latest release
// over all of them, publish it when it differs from what the topic holds (decidePublication).
import type { ReleaseInfo } from '@opa-fleet/contracts';
import {
  decidePublication,
  pickLatestRelease,
  type ReleaseCandidate,
  releaseInfoFrom,
} from '@opa-fleet/releases';
import { type Logger, retryStartUpStep } from '@opa-fleet/runtime';
import { Counter, Gauge, type Registry } from 'prom-client';
import { createPoller, type Poller } from './poller';
import type { ReleaseSource } from './release-source';
import type { ReleasesTopic } from './releases-topic';

export interface AdvisorOptions {
  sources: ReleaseSource[];
  topic: ReleasesTopic;
  channel: string;
  downloadBase: string;
  retryMinMs: number;
  logger: Logger;
  registry: Registry;
  /** Epoch micros; injectable for tests. */
  now?: () => number;
}

export interface Advisor {
  /**
   * Reads the topic (retrying with backoff while Kafka is unreachable or a new topic has no leader yet),
   * then starts polling; resolves after the topic is read (polls run on their own), or once stopped.
   */
  start(): Promise<void>;
  /** Polls every source once and publishes if needed; resolves when done (for tests and the CLI). */
  refresh(): Promise<void>;
  ready(): boolean;
  stop(): Promise<void>;
}

type Tagged = ReleaseCandidate & { source: string };

export function createAdvisor(options: AdvisorOptions): Advisor {
  const { sources, topic, channel, logger, registry } = options;
  const now = options.now ?? (() => Date.now() * 1000);
  const catalog = new Map<string, Tagged[]>();
  const metrics = {
    fetches: new Counter({
      name: 'release_advisor_source_fetches_total',
      help: 'Polls of a release source by result',
      labelNames: ['source', 'result'] as const,
      registers: [registry],
    }),
    publications: new Counter({
      name: 'release_advisor_publications_total',
      help: 'Releases published to the releases topic, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    lastSuccess: new Gauge({
      name: 'release_advisor_source_last_success_seconds',
      help: 'Unix time of the last successful poll of a source',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
  };

  async function poll(source: ReleaseSource): Promise<boolean> {
    try {
      const result = await source.load();
      metrics.lastSuccess.set({ source: source.name }, Date.now() / 1000);
      if (result === 'unchanged') {
        metrics.fetches.inc({ source: source.name, result: 'unchanged' });
        return false;
      }
      metrics.fetches.inc({ source: source.name, result: 'ok' });
      catalog.set(
        source.name,
        result.map((r) => ({ ...r, source: source.name })),
      );
      return true;
    } catch (err) {
      metrics.fetches.inc({ source: source.name, result: 'error' });
      throw err;
    }
  }

  /** Serialized: two sources updating at once must not publish twice. */
  let reconciling: Promise<void> = Promise.resolve();
  function reconcile(): Promise<void> {
    const run = reconciling.then(async () => {
      const latest = pickLatestRelease([...catalog.values()].flat());
      if (latest === null) return;
      const next: ReleaseInfo = releaseInfoFrom(latest, {
        channel,
        downloadBase: options.downloadBase,
        source: latest.source,
        now: now(),
      });
      const current = topic.current(channel);
      const decision = decidePublication(current, next);
      if (!decision.publish) {
        if (decision.reason === 'older') {
          logger.info(
            { topic: current?.tag, catalog: next.tag },
            'topic holds a newer release than the catalog; kept',
          );
        }
        return;
      }
      await topic.publish(next);
      metrics.publications.inc({ reason: decision.reason });
      logger.info(
        { channel, tag: next.tag, source: next.source, reason: decision.reason },
        'release published',
      );
    });
    reconciling = run.catch(() => {});
    return run;
  }

  // A failed publish (Kafka away) is retried by this poller; source polls trigger it after each change.
  const publisher = createPoller({
    name: 'publish',
    intervalMs: 60_000,
    retryMinMs: options.retryMinMs,
    logger,
    run: reconcile,
  });
  const pollers: Poller[] = sources.map((source) =>
    createPoller({
      name: `poll ${source.name}`,
      intervalMs: source.intervalMs,
      retryMinMs: options.retryMinMs,
      logger,
      run: async () => {
        if (await poll(source)) await publisher.trigger();
      },
    }),
  );

  let stopped = false;
  return {
    async start() {
      // A just-created topic answers "not the leader" for a moment, on a cluster especially; Kafka may
      // also come up after the advisor. Either is worth waiting for, not the end of the process.
      try {
        await retryStartUpStep({
          logger,
          what: 'releases topic',
          attempt: () => topic.start(),
          cancelled: () => stopped,
        });
      } catch (err) {
        if (stopped) return;
        throw err;
      }
      if (stopped) return;
      publisher.start();
      for (const p of pollers) p.start();
    },
    async refresh() {
      const results = await Promise.allSettled(sources.map((s) => poll(s)));
      for (const r of results)
        if (r.status === 'rejected') logger.warn({ err: r.reason }, 'source poll failed');
      await reconcile();
    },
    ready() {
      return topic.ready();
    },
    async stop() {
      stopped = true;
      await Promise.all([...pollers, publisher].map((p) => p.stop()));
      await reconciling;
    },
  };
}
