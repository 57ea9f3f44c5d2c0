// The gateway's CPU work on report bodies (parse, normalize, encode: report-work.ts) in worker threads, so
// the event loop only moves bytes: HTTP, the admission, Kafka.
//
// Why: on a 71 KB status update that work is about two thirds of the gateway's CPU per request, and done
// on the event loop it made the loop the gateway's ceiling (92-97% busy with a third of the machine idle)
// and its latency (every request read meanwhile waited behind it, and so did accepting new connections:
// see work-turns.ts). Measured on the 2-core machine, the real body at a fixed 850 req/s: on the loop in
// 2 ms turns 67-70% answered 2xx, p99 330 ms; in 2 threads all of them, p99 133 ms (README, "Work threads").
//
// A job goes to the thread with the fewest jobs outstanding; each thread runs its jobs in order. A thread
// that dies (it should not: every failure of a report is caught and sent back as data) fails its
// outstanding jobs (answered 500, logged) and is replaced.
import { Worker } from 'node:worker_threads';
import type { Logger } from '@opa-fleet/runtime';
import type { ReportJob, ReportResult, ReportWorker, ReportWorkSettings } from './report-work';
import { workThreadBundle } from './work-thread-bundle';
import { errorFromWire, movable, resultFromWire, type WireError } from './work-wire';

export interface WorkThreadsOptions {
  threads: number;
  settings: ReportWorkSettings;
  logger: Logger;
  /** The thread's module (tests give a stand-in); default the bundle of work-thread.ts (work-thread-bundle.ts). */
  entry?: URL | Promise<URL>;
}

type Reply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: WireError }
  | { ready: true };

interface Pending {
  resolve: (result: ReportResult) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  outstanding: Map<number, Pending>;
  /** Its modules are loaded: jobs sent now start at once (a thread takes about 0.5 s to start). */
  ready: boolean;
  /** Until it exits; a job sent to a starting thread waits in its port. */
  alive: boolean;
}

interface Job {
  id: number;
  job: ReportJob;
  transfer: ArrayBuffer;
  pending: Pending;
}

/** How long a thread asked to end may take before it is terminated. */
const END_TIMEOUT_MS = 2000;

/**
 * Asks a thread to end once its jobs are done (its port closed, it exits by itself, and `node --cpu-prof`
 * writes its profile, which a terminated thread never does), and terminates it if it takes too long.
 */
async function endThread({ worker, alive }: Slot): Promise<void> {
  if (!alive) return;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.postMessage({ end: true });
  const timer = setTimeout(() => void worker.terminate(), END_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
/** A thread that dies this soon after it started is replaced only after this long (a failing start). */
const RESTART_BACKOFF_MS = 1000;

export function createWorkThreads({
  threads,
  settings,
  logger,
  entry = workThreadBundle(),
}: WorkThreadsOptions): ReportWorker {
  const log = logger.child({ component: 'work-threads' });
  let nextId = 0;
  let closing = false;
  const slots: Slot[] = [];
  const backlog: Job[] = [];
  /** The thread's module once known; jobs wait in the backlog until then. */
  let threadModule: URL | null = null;
  /** Why no thread can start (the bundle failed to build): every job fails with it. */
  let broken: Error | null = null;
  Promise.resolve(entry).then(
    (url) => {
      threadModule = url;
      if (closing) return;
      for (let i = 0; i < threads; i++) slots.push(start(url));
      for (const job of backlog.splice(0)) send(leastBusy()!, job);
    },
    (err: Error) => {
      broken = new Error(`work threads cannot start: ${err.message}`, { cause: err });
      log.fatal({ err }, 'work thread code failed to build');
      for (const { pending } of backlog.splice(0)) pending.reject(broken);
    },
  );

  function start(url: URL): Slot {
    const worker = new Worker(url, { workerData: { settings }, execArgv: threadExecArgv() });
    const slot: Slot = { worker, outstanding: new Map(), ready: false, alive: true };
    const startedAt = performance.now();
    worker.on('message', (reply: Reply) => settle(slot, reply));
    worker.on('error', (err) => log.error({ err }, 'work thread failed'));
    worker.on('exit', (code) => {
      slot.alive = false;
      slot.ready = false;
      const failed = new Error(`work thread exited (code ${code}) with the job unfinished`);
      const lost = slot.outstanding.size;
      for (const pending of slot.outstanding.values()) pending.reject(failed);
      slot.outstanding.clear();
      if (closing) return;
      log.error({ code, lost }, 'work thread exited; starting another');
      const lived = performance.now() - startedAt;
      const replace = () => {
        if (closing) return;
        const fresh = start(url);
        slots[slots.indexOf(slot)] = fresh;
        // Jobs that came while no thread was alive.
        for (const job of backlog.splice(0)) send(fresh, job);
      };
      if (lived < RESTART_BACKOFF_MS) setTimeout(replace, RESTART_BACKOFF_MS).unref();
      else replace();
    });
    return slot;
  }

  function settle(slot: Slot, reply: Reply): void {
    if ('ready' in reply) {
      slot.ready = true;
      return;
    }
    const pending = slot.outstanding.get(reply.id);
    if (!pending) return;
    slot.outstanding.delete(reply.id);
    if (reply.ok) pending.resolve(resultFromWire(reply.result));
    else pending.reject(errorFromWire(reply.error));
  }

  /** The live thread with the fewest jobs outstanding; none while every one is being replaced. */
  function leastBusy(): Slot | null {
    let best: Slot | null = null;
    for (const slot of slots)
      if (slot.alive && (best === null || slot.outstanding.size < best.outstanding.size)) best = slot;
    return best;
  }

  function send(slot: Slot, { id, job, transfer, pending }: Job): void {
    try {
      slot.worker.postMessage({ id, job }, [transfer]);
    } catch (err) {
      // Not cloneable (nothing a parsed body holds should be): this job fails, not the thread.
      pending.reject(err as Error);
      return;
    }
    slot.outstanding.set(id, pending);
  }

  return {
    run(job) {
      if (closing) return Promise.reject(new Error('work threads are closed'));
      if (broken) return Promise.reject(broken);
      // The body moves to the thread (the request keeps an empty view): it is not read here again.
      const { bytes, transfer } = movable(job.body);
      return new Promise((resolve, reject) => {
        const pending = { resolve: resolve as Pending['resolve'], reject };
        const queued: Job = { id: nextId++, job: { ...job, body: bytes }, transfer, pending };
        const slot = leastBusy();
        if (slot) send(slot, queued);
        else backlog.push(queued);
      });
    },
    ready: () => threadModule !== null && slots.every((slot) => slot.ready),
    queued() {
      let queued = 0;
      for (const slot of slots) queued += Math.max(0, slot.outstanding.size - 1);
      return queued + backlog.length;
    },
    async close() {
      closing = true;
      const closed = new Error('work threads are closed');
      for (const { pending } of backlog.splice(0)) pending.reject(closed);
      await Promise.all(slots.map(endThread));
    },
  };
}

/**
 * The profiling options of the process (`--cpu-prof`, `--cpu-prof-dir <dir>`, `--heap-prof`...) for a
 * thread, so a profiled gateway profiles its threads too; nothing else: the module hooks (`--import tsx`)
 * are not needed there (a thread runs a plain-JS bundle, work-thread-bundle.ts), and V8 flags hold for
 * the whole process anyway (a Worker refuses them).
 */
function threadExecArgv(): string[] {
  const args: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!/^--(cpu|heap)-prof/.test(arg)) continue;
    args.push(arg);
    // `--cpu-prof-dir <dir>`: the value is the next argument.
    if (/^--(cpu|heap)-prof-(dir|name|interval)$/.test(arg) && i + 1 < argv.length) args.push(argv[++i]!);
  }
  return args;
}
