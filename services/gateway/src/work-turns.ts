// The gateway's CPU work on report bodies (JSON.parse, normalization, Avro encoding), run in short turns
// of the event loop instead of inside the I/O callbacks that delivered the bodies.
//
// Why: libuv accepts ONE new connection per event-loop iteration (since libuv 1.45, "unix: don't accept()
// connections in a loop"), and one iteration runs every I/O callback that is ready. With the work done in
// those callbacks, an iteration lasted as long as the work of every body that had arrived at once: at
// twice the capacity on the 71 KB real body, 100-500 ms. The gateway then accepted 5-10 connections a
// second while hundreds of clients (a fleet reconnecting, a load step) waited in the kernel's accept
// queue, seen by no admission bound, for up to 10 s, when OPA gives up on a status update (it does not
// retry it). Measured with a bare node:http server doing 7 ms of work per request, 248 req/s offered from
// idle: 440 of 2,480 requests timed out at 10 s with the work inline, none with it in 10 ms turns; on the
// gateway (README, "The accept queue") the queue peaked at 438 connections inline and 131 in 2 ms turns.
//
// Tasks run in order of arrival, in turns of at most `budgetMs` (a task once started always finishes),
// one turn per iteration (setImmediate): between two turns the loop polls, accepts, reads bodies and
// refuses what the admission refuses. Each task is synchronous; its result or error settles the promise
// `run` returned. A budget of 0 runs every task at once (the work inline, as before).

export interface WorkTurnsOptions {
  /** The most work one turn starts, ms; 0: no turns, every task runs at once. */
  budgetMs: number;
  /** Milliseconds, monotonic. */
  now?: () => number;
  /** Runs `turn` in a coming iteration of the event loop (after its I/O). */
  schedule?: (turn: () => void) => void;
}

export interface WorkTurns {
  /** Runs `task` in a coming turn, after every task queued before it. */
  run<T>(task: () => T): Promise<T>;
  /** Tasks waiting for their turn. */
  queued(): number;
}

interface Queued {
  task: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export function createWorkTurns(options: WorkTurnsOptions): WorkTurns {
  const { budgetMs } = options;
  const now = options.now ?? (() => performance.now());
  const schedule = options.schedule ?? ((turn: () => void) => void setImmediate(turn));
  // A FIFO as an array and a read index: no shift() per task on a queue of hundreds.
  let queue: Queued[] = [];
  let head = 0;
  let scheduled = false;

  function turn(): void {
    scheduled = false;
    const until = now() + budgetMs;
    do {
      const next = queue[head]!;
      queue[head++] = undefined as unknown as Queued;
      settle(next);
    } while (head < queue.length && now() < until);
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else {
      scheduled = true;
      schedule(turn);
    }
  }

  return {
    run<T>(task: () => T): Promise<T> {
      if (budgetMs <= 0) {
        try {
          return Promise.resolve(task());
        } catch (err) {
          return Promise.reject(err);
        }
      }
      return new Promise<T>((resolve, reject) => {
        queue.push({ task, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          schedule(turn);
        }
      });
    },
    queued: () => queue.length - head,
  };
}

function settle({ task, resolve, reject }: Queued): void {
  let value: unknown;
  try {
    value = task();
  } catch (err) {
    reject(err);
    return;
  }
  resolve(value);
}
