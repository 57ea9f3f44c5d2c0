// Which report requests the gateway takes on. A request it takes on must be answered well before OPA gives
// up (10 s, and OPA does not retry a status update), and its memory must stay bounded; the rest are refused
// at once (503 + Retry-After, before the body is read) instead of queued.
//
// The bound on requests in flight follows the gateway's own pace (Little's law): the requests it answered
// in the last second, times the latency it aims for (ADMISSION_TARGET_LATENCY_MS). Under overload the
// answered rate is the gateway's capacity, so the requests it admits wait about that long; at low load the
// rate is small and the floor (ADMISSION_MIN_IN_FLIGHT) lets bursts in, and a burst that is served fast
// raises the rate, and with it the bound, within the second. MAX_IN_FLIGHT_REQUESTS caps it, and
// MAX_IN_FLIGHT_BYTES caps the bodies (by Content-Length) held at once, whatever their number.
// When the oldest request whose body has arrived has waited longer than ADMISSION_MAX_WAIT_MS, the gateway is
// behind whatever the rate says (Kafka slow to acknowledge, a stall): nothing more is admitted until it
// catches up. The age counts from the body's arrival, so a client that sends its body slowly holds a slot
// but cannot stop the others. Pure logic: the clock is injected.

export interface AdmissionOptions {
  /** Hard cap on requests in flight. */
  maxInFlightRequests: number;
  /** Requests always admitted, whatever the recent rate (bursts after a quiet spell). */
  minInFlightRequests: number;
  /** The latency admitted requests should stay under: the bound is answered-per-second × this. */
  targetLatencyMs: number;
  /** Cap on the bodies in flight, by declared length. */
  maxInFlightBytes: number;
  /** Nothing is admitted while a request with its body in has waited longer than this. */
  maxWaitMs: number;
  /** Milliseconds, monotonic. */
  now?: () => number;
}

export type Refusal = 'in_flight_requests' | 'in_flight_bytes' | 'queue_age';

/** What an admitted request holds: tell it when its body has arrived, and release it once answered. */
export interface Ticket {
  bodyReceived(): void;
  release(): void;
}

export interface Admission {
  /** Takes on a request of `bytes` body bytes, or says why not. */
  admit(bytes: number): Ticket | Refusal;
  /** The current bound on requests in flight. */
  limit(): number;
  inFlightRequests(): number;
  inFlightBytes(): number;
  /** How long the oldest request whose body has arrived has been waiting for its answer, ms (0: none). */
  oldestWaitMs(): number;
}

/** The rate of answers is counted in BUCKETS slots of BUCKET_MS: the last full second, moving smoothly. */
const BUCKET_MS = 100;
const BUCKETS = 10;

export function createAdmission(options: AdmissionOptions): Admission {
  const now = options.now ?? (() => performance.now());
  const { maxInFlightRequests, minInFlightRequests, maxInFlightBytes } = options;
  const targetSeconds = options.targetLatencyMs / 1000;
  const answered = new Array<number>(BUCKETS).fill(0);
  let bucketStart = Math.floor(now() / BUCKET_MS);
  let requests = 0;
  let bytes = 0;
  // Requests whose body has arrived, by arrival time: a Map keeps insertion order, so the first is the oldest.
  const waiting = new Map<Ticket, number>();
  const { maxWaitMs } = options;

  /** Moves the ring to the current bucket, clearing the slots of the buckets that passed without answers. */
  function advance(): number {
    const bucket = Math.floor(now() / BUCKET_MS);
    const passed = Math.min(bucket - bucketStart, BUCKETS);
    for (let i = 1; i <= passed; i++) answered[(bucketStart + i) % BUCKETS] = 0;
    if (passed > 0) bucketStart = bucket;
    return bucket;
  }

  function limit(): number {
    const current = advance();
    // The full buckets of the last second (the current one is still filling).
    let sum = 0;
    for (let i = 0; i < BUCKETS; i++) if (i !== current % BUCKETS) sum += answered[i]!;
    const perSecond = sum / (((BUCKETS - 1) * BUCKET_MS) / 1000);
    return Math.min(
      maxInFlightRequests,
      Math.max(minInFlightRequests, Math.floor(perSecond * targetSeconds)),
    );
  }

  function oldestWaitMs(): number {
    for (const since of waiting.values()) return now() - since;
    return 0;
  }

  return {
    admit(size) {
      if (requests >= limit()) return 'in_flight_requests';
      // One request alone may always pass the byte bound (its own body limit still holds).
      if (requests > 0 && bytes + size > maxInFlightBytes) return 'in_flight_bytes';
      if (waiting.size > 0 && oldestWaitMs() > maxWaitMs) return 'queue_age';
      requests += 1;
      bytes += size;
      let released = false;
      const ticket: Ticket = {
        bodyReceived() {
          if (!released) waiting.set(ticket, now());
        },
        release() {
          if (released) return;
          released = true;
          waiting.delete(ticket);
          requests -= 1;
          bytes -= size;
          const slot = advance() % BUCKETS;
          answered[slot] = answered[slot]! + 1;
        },
      };
      return ticket;
    },
    limit,
    inFlightRequests: () => requests,
    inFlightBytes: () => bytes,
    oldestWaitMs,
  };
}
