// Which report requests the gateway takes on. A request it takes on must be answered well before OPA gives
// up (10 s, and OPA does not retry a status update), and its memory must stay bounded; the rest are refused
// at once (503 + Retry-After, before the body is read) instead of queued.
//
// The bound on requests in flight (the limit) follows the latency the gateway measures, in windows of
// WINDOW_MS, against the latency it aims for (ADMISSION_TARGET_LATENCY_MS):
//   measured = (mean wait of the requests answered in the window, from their body's arrival to the answer,
//               or the wait of the oldest one still unanswered if that is longer)
//            + (the event loop's worst lateness in the window).
// The second term is the time a request waits BEFORE the gateway looks at it: an event loop busy with the
// admitted requests reads new sockets late, and so does every refusal (each still costs its headers, and its
// body is read and dropped to keep the connection). Counting only the admitted requests' wait, as a bound
// from the answered rate does, let that queue in front of the admission grow without limit (seconds of p99
// at twice the capacity).
//   - measured above the target, with the limit binding (reached in the window) or the event loop late by
//     half the target with half the limit in flight (the queue in front, which counts cannot see): cut by
//     target / measured (at most by half), at most once per target latency (the requests measured were
//     admitted under the limit before). A slow spell under the limit (a stall of the machine, Kafka slow
//     for a moment, a long PRODUCER_LINGER_MS, a burst smaller than the limit) cuts nothing: refusing the
//     few requests there are would not help; ADMISSION_MAX_WAIT_MS still bounds it;
//   - at or under the target, with the limit binding: it grows, by 10% while under half the target, else
//     by 1;
//   - fewer than half of it in flight all window (the load dropped): it goes back up to
//     ADMISSION_INITIAL_IN_FLIGHT at once, so a burst after a quiet spell passes.
// It stays between ADMISSION_MIN_IN_FLIGHT and MAX_IN_FLIGHT_REQUESTS. MAX_IN_FLIGHT_BYTES caps the bodies (by
// Content-Length) held at once, whatever their number. When the oldest request whose body has arrived has
// waited longer than ADMISSION_MAX_WAIT_MS, the gateway is behind whatever the limit says (Kafka slow to
// acknowledge, a stall): nothing more is admitted until it catches up. Waits count from the body's arrival,
// so a client that sends its body slowly holds a slot but neither cuts the limit nor stops the others.
// Pure logic: the clock and the event loop's lateness are fed in.

export interface AdmissionOptions {
  /** Hard cap on requests in flight. */
  maxInFlightRequests: number;
  /** The limit never goes below this, however slow the answers. */
  minInFlightRequests: number;
  /** The limit at start and whenever the load drops (bursts after a quiet spell). */
  initialInFlightRequests: number;
  /** The latency (wait + event-loop lateness) the limit steers to. */
  targetLatencyMs: number;
  /** Cap on the bodies in flight, by declared length. */
  maxInFlightBytes: number;
  /** Nothing is admitted while a request with its body in has waited longer than this. */
  maxWaitMs: number;
  /** Milliseconds, monotonic. */
  now?: () => number;
}

export type Refusal = 'in_flight_requests' | 'in_flight_bytes' | 'queue_age';

/**
 * What an admitted request holds: tell it when its body has arrived (later calls change nothing), and
 * release it once answered.
 */
export interface Ticket {
  bodyReceived(): void;
  release(): void;
}

export interface Admission {
  /** Takes on a request of `bytes` body bytes, or says why not. */
  admit(bytes: number): Ticket | Refusal;
  /** How late the event loop ran a timer just now, ms (event-loop-delay.ts feeds it). */
  observeDelay(ms: number): void;
  /** The current bound on requests in flight. */
  limit(): number;
  /** The latency measured over the last closed window, ms (what the limit steers by). */
  measuredLatencyMs(): number;
  inFlightRequests(): number;
  inFlightBytes(): number;
  /** How long the oldest request whose body has arrived has been waiting for its answer, ms (0: none). */
  oldestWaitMs(): number;
}

/** The control window: short against the target latency, long enough to hold a few answers. */
export const WINDOW_MS = 100;
/** Growth per window while the measured latency is under half the target (and the limit in use). */
const FAST_GROWTH = 0.1;
/** The deepest single cut. */
const MAX_CUT = 0.5;

export function createAdmission(options: AdmissionOptions): Admission {
  const now = options.now ?? (() => performance.now());
  const { maxInFlightRequests, maxInFlightBytes, maxWaitMs, targetLatencyMs } = options;
  const floor = Math.min(options.minInFlightRequests, maxInFlightRequests);
  const initial = Math.max(floor, Math.min(options.initialInFlightRequests, maxInFlightRequests));
  let bound = initial;
  let requests = 0;
  let bytes = 0;
  // Requests whose body has arrived, by arrival time: a Map keeps insertion order, so the first is the oldest.
  const waiting = new Map<Ticket, number>();
  // The open window.
  let windowStart = now();
  let answered = 0;
  let waitSum = 0;
  let worstDelay = 0;
  let peakInFlight = 0;
  let lastCutAt = Number.NEGATIVE_INFINITY;
  let measured = 0;

  function oldestWaitMs(): number {
    for (const since of waiting.values()) return now() - since;
    return 0;
  }

  /** Closes the open window if it has run its length, and steers the limit by what it measured. */
  function steer(): void {
    const at = now();
    if (at - windowStart < WINDOW_MS) return;
    const meanWait = answered > 0 ? waitSum / answered : 0;
    measured = Math.max(meanWait, oldestWaitMs()) + worstDelay;
    // Binding: the limit was reached in the window (requests were refused by it, or would have been).
    const binding = peakInFlight >= Math.floor(bound);
    // The event loop itself late by half the target with half the limit in flight: the admitted work is
    // what keeps it busy, and the requests queue in front, where no count of requests in flight sees
    // them (measured: 52-58 in flight under a limit of 64 while the clients' p99 was 10 s).
    const saturated = worstDelay >= targetLatencyMs / 2 && peakInFlight >= bound / 2;
    if (measured > targetLatencyMs) {
      // Otherwise only a binding limit lets in the work that makes the wait. A slow spell under it (the
      // machine stalled, Kafka slow for a moment, a long PRODUCER_LINGER_MS, a burst smaller than the
      // limit) is not cured by refusing the few requests there are; ADMISSION_MAX_WAIT_MS bounds it.
      if ((binding || saturated) && at - lastCutAt >= targetLatencyMs) {
        bound = Math.max(floor, bound * Math.max(MAX_CUT, targetLatencyMs / measured));
        lastCutAt = at;
      }
    } else if (peakInFlight < bound / 2) {
      bound = Math.max(bound, initial);
    } else if (binding) {
      const step = measured < targetLatencyMs / 2 ? Math.max(1, bound * FAST_GROWTH) : 1;
      bound = Math.min(maxInFlightRequests, bound + step);
    }
    windowStart = at;
    answered = 0;
    waitSum = 0;
    worstDelay = 0;
    peakInFlight = requests;
  }

  function limit(): number {
    steer();
    return Math.floor(bound);
  }

  return {
    admit(size) {
      if (requests >= limit()) return 'in_flight_requests';
      // One request alone may always pass the byte bound (its own body limit still holds).
      if (requests > 0 && bytes + size > maxInFlightBytes) return 'in_flight_bytes';
      if (waiting.size > 0 && oldestWaitMs() > maxWaitMs) return 'queue_age';
      requests += 1;
      bytes += size;
      peakInFlight = Math.max(peakInFlight, requests);
      let released = false;
      let receivedAt: number | null = null;
      const ticket: Ticket = {
        bodyReceived() {
          // The first call counts: the body's arrival, whichever hook saw it first.
          if (released || receivedAt !== null) return;
          receivedAt = now();
          waiting.set(ticket, receivedAt);
        },
        release() {
          if (released) return;
          released = true;
          steer();
          waiting.delete(ticket);
          requests -= 1;
          bytes -= size;
          // A request answered before its body arrived (refused on its body) waited on nothing of ours.
          if (receivedAt !== null) {
            answered += 1;
            waitSum += now() - receivedAt;
          }
        },
      };
      return ticket;
    },
    observeDelay(ms) {
      steer();
      worstDelay = Math.max(worstDelay, ms);
    },
    limit,
    measuredLatencyMs() {
      steer();
      return measured;
    },
    inFlightRequests: () => requests,
    inFlightBytes: () => bytes,
    oldestWaitMs,
  };
}
