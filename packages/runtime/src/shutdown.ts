// Graceful shutdown: on SIGINT/SIGTERM run registered closers in reverse order (last opened, first
// closed), bounded by a timeout, then exit. A second signal exits at once.
import type { Logger } from 'pino';

export type Closer = () => unknown | Promise<unknown>;

export interface ShutdownOptions {
  logger?: Logger;
  /** Whole-shutdown budget; closers still running after it are abandoned and the exit code is 1. */
  timeoutMs?: number;
  /** Injected in tests; defaults to process.exit. */
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}

export interface Shutdown {
  /** Registers a closer; closers run in reverse registration order. */
  onShutdown(name: string, closer: Closer): void;
  /** Runs the closers once (later calls return the same promise), then exits. Resolves to the exit code. */
  shutdown(reason: string): Promise<number>;
  /** Installs the signal handlers. Returns a function removing them. */
  installSignalHandlers(): () => void;
  readonly shuttingDown: boolean;
}

export function createShutdown(options: ShutdownOptions = {}): Shutdown {
  const { logger, timeoutMs = 10_000, exit = (code: number) => process.exit(code) } = options;
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const closers: { name: string; closer: Closer }[] = [];
  let running: Promise<number> | undefined;

  async function runClosers(): Promise<number> {
    let code = 0;
    for (const { name, closer } of [...closers].reverse()) {
      try {
        await closer();
        logger?.debug({ closer: name }, 'closed');
      } catch (err) {
        code = 1;
        logger?.error({ err, closer: name }, 'closer failed');
      }
    }
    return code;
  }

  function shutdown(reason: string): Promise<number> {
    if (running) return running;
    logger?.info({ reason }, 'shutting down');
    running = (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<number>((resolve) => {
        timer = setTimeout(() => {
          logger?.error({ timeoutMs }, 'shutdown timed out; exiting anyway');
          resolve(1);
        }, timeoutMs);
        timer.unref();
      });
      const code = await Promise.race([runClosers(), timeout]);
      clearTimeout(timer);
      logger?.info({ code }, 'shutdown complete');
      logger?.flush?.();
      exit(code);
      return code;
    })();
    return running;
  }

  return {
    onShutdown(name, closer) {
      closers.push({ name, closer });
    },
    shutdown,
    installSignalHandlers() {
      const handler = (signal: NodeJS.Signals) => {
        if (running) {
          logger?.warn({ signal }, 'second signal: exiting now');
          exit(130);
          return;
        }
        void shutdown(signal);
      };
      for (const s of signals) process.on(s, handler);
      return () => {
        for (const s of signals) process.off(s, handler);
      };
    },
    get shuttingDown() {
      return running !== undefined;
    },
  };
}
