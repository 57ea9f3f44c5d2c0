// Operator command: publish a release by hand.
//   npx tsx services/release-advisor/src/cli.ts publish v0.70.0 [--notes URL] [--channel NAME]
//       [--download-base URL] [--force]
// Reads KAFKA_BROKERS, TOPIC_PREFIX / RELEASES_TOPIC, RELEASES_CHANNEL and DOWNLOAD_BASE from the
// environment. Without --force it follows the advisor's rule (never over a newer release, nothing when
// unchanged); --force publishes anyway, e.g. to roll back a withdrawn release.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ReleaseInfo } from '@opa-fleet/contracts';
import {
  decidePublication,
  type PublicationReason,
  ReleaseError,
  releaseInfoFrom,
} from '@opa-fleet/releases';
import { ConfigError, createLogger, type Logger } from '@opa-fleet/runtime';
import { AdvisorError } from './advisor-error';
import { type KafkaEnv, loadKafkaEnv, releasesTopic } from './config';
import { createReleasesTopic } from './releases-topic';

export const USAGE = `usage: cli.ts publish <tag> [--notes URL] [--channel NAME] [--download-base URL] [--force]`;

export interface PublishCommand {
  tag: string;
  notes?: string;
  channel?: string;
  downloadBase?: string;
  force: boolean;
}

/** Parses argv (without node and script). Throws AdvisorError INVALID_ARGS. */
export function parsePublishArgs(argv: string[]): PublishCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (cause) {
    throw new AdvisorError('INVALID_ARGS', `${(cause as Error).message}\n${USAGE}`, {
      retriable: false,
      cause,
    });
  }
  const [command, tag, ...rest] = parsed.positionals;
  if (command !== 'publish' || tag === undefined || rest.length > 0) {
    throw new AdvisorError('INVALID_ARGS', USAGE, { retriable: false });
  }
  const { notes, channel, force } = parsed.values;
  if (notes !== undefined && !URL.canParse(notes)) {
    throw new AdvisorError('INVALID_ARGS', `--notes must be a URL\n${USAGE}`, { retriable: false });
  }
  const downloadBase = parsed.values['download-base'];
  if (downloadBase !== undefined && !URL.canParse(downloadBase)) {
    throw new AdvisorError('INVALID_ARGS', `--download-base must be a URL\n${USAGE}`, { retriable: false });
  }
  return { tag, notes, channel, downloadBase, force: force ?? false };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      notes: { type: 'string' },
      channel: { type: 'string' },
      'download-base': { type: 'string' },
      force: { type: 'boolean' },
    },
  });
}

export interface PublishResult {
  published: boolean;
  reason: PublicationReason | 'forced';
  release: ReleaseInfo;
  previous: ReleaseInfo | null;
}

/** Publishes a release by hand to the releases topic. Throws ReleaseError INVALID_TAG for a bad tag. */
export async function publishByHand(
  command: PublishCommand,
  env: KafkaEnv,
  logger: Logger,
): Promise<PublishResult> {
  const release = releaseInfoFrom(
    { tag_name: command.tag, html_url: command.notes ?? null, published_at: new Date().toISOString() },
    {
      channel: command.channel ?? env.RELEASES_CHANNEL,
      downloadBase: command.downloadBase ?? env.DOWNLOAD_BASE,
      source: 'cli',
      now: Date.now() * 1000,
    },
  );
  const topic = createReleasesTopic({
    brokers: env.KAFKA_BROKERS,
    topic: releasesTopic(env),
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    logger,
    clientId: 'opa-release-advisor-cli',
  });
  try {
    await topic.start();
    const previous = topic.current(release.channel);
    const decision = decidePublication(previous, release);
    if (!decision.publish && !command.force)
      return { published: false, reason: decision.reason, release, previous };
    await topic.publish(release);
    return { published: true, reason: decision.publish ? decision.reason : 'forced', release, previous };
  } finally {
    await topic.stop();
  }
}

async function main(): Promise<number> {
  const logger = createLogger('release-advisor-cli', { level: process.env.LOG_LEVEL ?? 'warn' });
  try {
    const command = parsePublishArgs(process.argv.slice(2));
    const result = await publishByHand(command, loadKafkaEnv(), logger);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!result.published) {
      process.stderr.write(
        `not published (${result.reason}): the topic holds ${result.previous?.tag}; use --force to publish anyway\n`,
      );
    }
    return 0;
  } catch (err) {
    if (err instanceof AdvisorError || err instanceof ReleaseError || err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    logger.error({ err }, 'publish failed');
    process.stderr.write(`publish failed: ${(err as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then((code) => {
    process.exitCode = code;
  });
}
