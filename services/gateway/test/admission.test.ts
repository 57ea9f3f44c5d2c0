// The request-admission bounds: the floor, the bound that follows the answered rate, the hard cap, the
// byte bound, and the release of what a request held.
import { describe, expect, it } from 'vitest';
import { type Admission, createAdmission, type Ticket } from '../src/admission';

function clocked(options: Partial<Parameters<typeof createAdmission>[0]> = {}) {
  let t = 0;
  const admission = createAdmission({
    maxInFlightRequests: 1000,
    minInFlightRequests: 4,
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

/** Admits and answers `perSecond` requests spread over one second. */
function answer(admission: Admission, advance: (ms: number) => void, perSecond: number) {
  for (let i = 0; i < perSecond; i++) {
    const ticket = admission.admit(0);
    if (typeof ticket === 'string') throw new Error(`refused: ${ticket}`);
    ticket.bodyReceived();
    ticket.release();
    advance(1000 / perSecond);
  }
}

describe('request admission', () => {
  it('admits up to the floor while nothing was answered yet, then refuses by request count', () => {
    const { admission } = clocked();
    const held = [1, 2, 3, 4].map(() => admission.admit(10));
    expect(held.every((h) => typeof h === 'object')).toBe(true);
    expect(admission.admit(10)).toBe('in_flight_requests');
    expect(admission.inFlightRequests()).toBe(4);
    expect(admission.inFlightBytes()).toBe(40);
  });

  it('raises the bound to answered-per-second × target latency, and lowers it again when answers stop', () => {
    const { admission, advance } = clocked();
    answer(admission, advance, 400);
    // 400 answers in the last second × 0.25 s, within a bucket's worth of the window.
    expect(admission.limit()).toBeGreaterThanOrEqual(85);
    expect(admission.limit()).toBeLessThanOrEqual(100);
    const held = Array.from({ length: 80 }, () => admission.admit(0));
    expect(held.every((h) => typeof h === 'object')).toBe(true);
    advance(1500);
    expect(admission.limit()).toBe(4);
  });

  it('never goes beyond MAX_IN_FLIGHT_REQUESTS', () => {
    const { admission, advance } = clocked({ maxInFlightRequests: 20 });
    answer(admission, advance, 400);
    expect(admission.limit()).toBe(20);
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
