// The request-admission bounds: the limit steered by the measured latency (wait and event-loop lateness),
// its floor and cap, its return after the load drops, the byte bound, the queue age, and the release of
// what a request held.
import { describe, expect, it } from 'vitest';
import { type Admission, createAdmission, type Ticket, WINDOW_MS } from '../src/admission';

function clocked(options: Partial<Parameters<typeof createAdmission>[0]> = {}) {
  let t = 0;
  const admission = createAdmission({
    maxInFlightRequests: 1000,
    minInFlightRequests: 4,
    initialInFlightRequests: 4,
    targetLatencyMs: 250,
    maxInFlightBytes: 1000,
    maxWaitMs: 250,
    now: () => t,
    ...options,
  });
  return {
    admission,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** Holds `n` requests with their bodies in. */
function hold(admission: Admission, n: number): Ticket[] {
  return Array.from({ length: n }, () => {
    const ticket = admission.admit(0);
    if (typeof ticket === 'string') throw new Error(`refused: ${ticket}`);
    ticket.bodyReceived();
    return ticket;
  });
}

describe('request admission', () => {
  it('admits up to the initial limit at start, then refuses by request count', () => {
    const { admission } = clocked();
    const held = [1, 2, 3, 4].map(() => admission.admit(10));
    expect(held.every((h) => typeof h === 'object')).toBe(true);
    expect(admission.admit(10)).toBe('in_flight_requests');
    expect(admission.inFlightRequests()).toBe(4);
    expect(admission.inFlightBytes()).toBe(40);
  });

  it('cuts the limit by target / measured when answers take longer than the target, at most by half', () => {
    const { admission, advance } = clocked({ initialInFlightRequests: 100, maxWaitMs: 10_000 });
    const held = hold(admission, 100);
    advance(500); // every one waits 500 ms: twice the target
    expect(admission.limit()).toBe(50);
    expect(admission.measuredLatencyMs()).toBe(500);
    // Their answers, slow as well, do not cut again: they were admitted under the old limit.
    for (const ticket of held) ticket.release();
    advance(WINDOW_MS);
    expect(admission.limit()).toBe(50);
    // Requests admitted under the new limit that are slow again cut it again.
    const next = hold(admission, 50);
    advance(400);
    expect(admission.limit()).toBe(31); // 50 × 250 / 400
    for (const ticket of next) ticket.release();
  });

  it('counts the event loop running late as latency: a queue in front of the admission cuts the limit too', () => {
    const { admission, advance } = clocked({ initialInFlightRequests: 80, maxWaitMs: 10_000 });
    const held = hold(admission, 80);
    advance(10);
    for (const ticket of held) ticket.release(); // answered in 10 ms...
    admission.observeDelay(390); // ...but a timer ran 390 ms late: new sockets are read that late
    advance(WINDOW_MS);
    expect(admission.measuredLatencyMs()).toBe(400);
    expect(admission.limit()).toBe(50); // 80 × 250 / 400
  });

  it('never cuts below ADMISSION_MIN_IN_FLIGHT', () => {
    const { admission, advance } = clocked({
      initialInFlightRequests: 16,
      minInFlightRequests: 6,
      maxWaitMs: 60_000,
    });
    for (let i = 0; i < 10; i++) {
      const held = hold(admission, admission.limit());
      admission.observeDelay(5000);
      advance(300);
      for (const ticket of held) ticket.release();
    }
    expect(admission.limit()).toBe(6);
  });

  it('cuts for a late event loop even under the limit: the queue in front is not counted in flight', () => {
    const { admission, advance } = clocked({ initialInFlightRequests: 64, maxWaitMs: 10_000 });
    const held = hold(admission, 50); // under the limit, which is never reached...
    admission.observeDelay(400); // ...because the loop reads new sockets 400 ms late
    advance(WINDOW_MS);
    expect(admission.limit()).toBe(32); // 64 × 250 / 500, at most halved
    for (const ticket of held) ticket.release();
  });

  it('lets a burst under the limit pass whole, however long its answers take (a long Kafka linger)', () => {
    const { admission, advance } = clocked({ initialInFlightRequests: 64, maxWaitMs: 10_000 });
    const early = hold(admission, 30);
    advance(300); // 300 ms without an answer: above the target
    const late = hold(admission, 30); // the rest of the same burst, 60 in all
    advance(300);
    expect(admission.limit()).toBe(64);
    for (const ticket of [...early, ...late]) ticket.release();
  });

  it('cuts nothing for a slow spell at light load: refusing the few requests there are would not help', () => {
    const { admission, advance } = clocked({ initialInFlightRequests: 64, maxWaitMs: 60_000 });
    const held = hold(admission, 20); // under half the limit
    admission.observeDelay(800); // the machine stalled
    advance(600);
    for (const ticket of held) ticket.release();
    advance(WINDOW_MS);
    expect(admission.measuredLatencyMs()).toBeGreaterThan(250);
    expect(admission.limit()).toBe(64);
  });

  it('grows while the limit is in use and answers are fast, never beyond MAX_IN_FLIGHT_REQUESTS', () => {
    const { admission, advance } = clocked({ initialInFlightRequests: 10, maxInFlightRequests: 20 });
    const limits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const held = hold(admission, admission.limit());
      advance(WINDOW_MS);
      for (const ticket of held) ticket.release(); // a full limit, answered well under half the target
      limits.push(admission.limit());
    }
    expect(limits[0]).toBe(11);
    expect(limits.every((l, i) => i === 0 || l >= limits[i - 1]!)).toBe(true);
    expect(limits.at(-1)).toBe(20);
  });

  it('grows by one only while the latency is between half the target and the target', () => {
    const { admission, advance } = clocked({ initialInFlightRequests: 40 });
    const held = hold(admission, 40);
    advance(200);
    for (const ticket of held) ticket.release();
    expect(admission.limit()).toBe(41);
  });

  it('goes back to the initial limit at once when the load drops, so a burst after a quiet spell passes', () => {
    const { admission, advance } = clocked({ initialInFlightRequests: 64, maxWaitMs: 10_000 });
    const held = hold(admission, 64);
    advance(1000);
    for (const ticket of held) ticket.release();
    advance(WINDOW_MS);
    expect(admission.limit()).toBe(32); // cut: the 64 waited 1 s
    advance(WINDOW_MS); // a window with nothing in flight: the load dropped
    expect(admission.limit()).toBe(64);
    expect(hold(admission, 64)).toHaveLength(64);
  });

  it('refuses a body that would take the declared bytes in flight past the cap, but never a lone request', () => {
    const { admission } = clocked();
    const first = admission.admit(900);
    expect(typeof first).toBe('object');
    expect(admission.admit(200)).toBe('in_flight_bytes');
    expect(typeof admission.admit(100)).toBe('object');
    (first as Ticket).release();
    const lone = clocked().admission;
    expect(typeof lone.admit(5000)).toBe('object');
  });

  it('gives back what a request held once, however often its release is called', () => {
    const { admission } = clocked();
    const ticket = admission.admit(300) as Ticket;
    ticket.bodyReceived();
    ticket.release();
    ticket.release();
    ticket.bodyReceived(); // a late call after the answer holds nothing
    expect(admission.oldestWaitMs()).toBe(0);
    expect(admission.inFlightRequests()).toBe(0);
    expect(admission.inFlightBytes()).toBe(0);
  });

  it("counts a request's wait from the first report of its body, not a later one", () => {
    const { admission, advance } = clocked();
    const ticket = admission.admit(10) as Ticket;
    ticket.bodyReceived(); // the body parser: the body is in, its parsing turn still to come
    advance(120);
    ticket.bodyReceived(); // the preHandler hook, after the parsing turn
    expect(admission.oldestWaitMs()).toBe(120);
    ticket.release();
  });

  it('admits nothing while the oldest request with its body in has waited past the longest wait', () => {
    const { admission, advance } = clocked();
    const slowClient = admission.admit(10) as Ticket; // still sending its body: does not count
    const stuck = admission.admit(10) as Ticket;
    stuck.bodyReceived();
    advance(200);
    expect(typeof admission.admit(10)).toBe('object');
    advance(100);
    expect(admission.oldestWaitMs()).toBe(300);
    expect(admission.admit(10)).toBe('queue_age');
    stuck.release();
    expect(typeof admission.admit(10)).toBe('object');
    slowClient.release();
  });
});
