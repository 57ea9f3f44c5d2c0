// Topic discovery for a pattern subscription: kafkajs resolves a RegExp only against topics that
// exist when it subscribes, so the matching topics are listed every `refreshMs` and, when new ones
// appear, `onNewTopics` gets the whole new list (the consumer group resubscribes).
import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';

export interface TopicDiscovery {
  /** Connects and lists the matching topics now. */
  start(): Promise<string[]>;
  /** Lists again; calls onNewTopics when the list grew. Also what the timer runs. */
  check(): Promise<void>;
  stop(): Promise<void>;
}

export function topicDiscovery(options: {
  admin: Pick<Admin, 'connect' | 'disconnect' | 'listTopics'>;
  pattern: RegExp;
  refreshMs: number;
  log: Logger;
  /** The topics now subscribed to. */
  subscribed: () => readonly string[];
  onNewTopics: (topics: string[], added: string[]) => Promise<void>;
}): TopicDiscovery {
  const { admin, pattern, log } = options;
  let timer: NodeJS.Timeout | null = null;
  let checking: Promise<void> | null = null;

  const matching = async () => (await admin.listTopics()).filter((t) => pattern.test(t)).sort();

  async function check(): Promise<void> {
    let topics: string[];
    try {
      topics = await matching();
    } catch (err) {
      log.warn({ err }, 'listing topics failed');
      return;
    }
    const subscribed = options.subscribed();
    const added = topics.filter((t) => !subscribed.includes(t));
    if (added.length === 0) return;
    log.info({ added }, 'new matching topics; resubscribing');
    await options.onNewTopics(topics, added);
  }

  return {
    async start() {
      await admin.connect();
      const topics = await matching();
      if (topics.length === 0)
        log.warn({ pattern: String(pattern) }, 'no matching topic yet; waiting for one');
      timer = setInterval(() => {
        if (checking) return; // one check at a time
        checking = check().finally(() => {
          checking = null;
        });
      }, options.refreshMs);
      return topics;
    },
    check,
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await checking;
      await admin.disconnect();
    },
  };
}
