// An open-loop load generator: requests are sent at a fixed rate whatever the server does (as a fleet of
// independent OPAs sends them), unlike autocannon's closed loop, where a slow server slows its clients down
// and an overload never builds up. Latency is measured from each request's SCHEDULED send time, so time a
// request spent waiting in the generator counts against it (no coordinated omission).
//
// node:http with one keep-alive agent; a request answered after `timeoutMs` (OPA's status client gives up
// after 10 s) counts as a timeout (status 0), as does a connection error.
import http from 'node:http';

export interface LoadPhase {
  name: string;
  /** Requests per second. */
  rate: number;
  seconds: number;
}

export interface Outcome {
  /** Index of the phase it was sent in. */
  phase: number;
  /** Scheduled send time, ms from the start of the run. */
  scheduledMs: number;
  /** From the scheduled send time to the end of the answer (or the timeout). */
  latencyMs: number;
  /** How late the generator itself sent it (its own event loop was busy): part of latencyMs. */
  sendLagMs: number;
  /**
   * From the scheduled send time until the request had a connected socket: waiting for one of the agent's
   * sockets, or for a new connection to be accepted (a full accept queue costs SYN retries of 1 s, 3 s...).
   */
  connectedMs: number;
  /**
   * From the scheduled send time until the whole request was handed to the kernel (the socket took its
   * last byte): past connectedMs, the time the server left the request unread in full socket buffers.
   */
  sentMs: number;
  /** From the scheduled send time until the answer's status line and headers arrived. */
  headersMs: number;
  /** HTTP status; 0 for a timeout or a connection error. */
  status: number;
  /** The reply body of a 2xx (the gateway's `{"event_id"}`), kept to check what reached storage. */
  body: string | null;
  /** The Retry-After header of the answer, if any. */
  retryAfter: string | null;
}

export interface OpenLoopOptions {
  url: string;
  headers: Record<string, string>;
  /** Sent in turn. */
  bodies: readonly Buffer[];
  phases: readonly LoadPhase[];
  timeoutMs?: number;
  /**
   * Sockets the agent may open (default 512). A fleet has one per OPA, but thousands of new connections to
   * a busy server overflow its accept queue, and the SYN retries (1 s, 3 s, 7 s...) measure the kernel, not
   * the server; a request waiting for a socket still counts from its scheduled time.
   */
  maxSockets?: number;
  /** Called about once a second with the outcomes so far (progress lines). */
  onSecond?: (outcomes: readonly Outcome[], elapsedMs: number) => void;
}

const TICK_MS = 2;

export async function runOpenLoop(options: OpenLoopOptions): Promise<Outcome[]> {
  const { bodies, phases } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 512 });
  const target = new URL(options.url);
  const outcomes: Outcome[] = [];
  let pending = 0;
  let sentTotal = 0;
  const started = performance.now();

  const send = (phase: number, scheduledMs: number) => {
    const body = bodies[sentTotal++ % bodies.length]!;
    const sendLagMs = performance.now() - started - scheduledMs;
    pending += 1;
    let done = false;
    let connectedMs = Number.NaN;
    let sentMs = Number.NaN;
    let headersMs = Number.NaN;
    const since = () => performance.now() - started - scheduledMs;
    const connected = () => {
      connectedMs = since();
    };
    const finish = (status: number, text: string | null, retryAfter: string | null = null) => {
      if (done) return;
      done = true;
      pending -= 1;
      outcomes.push({
        phase,
        scheduledMs,
        latencyMs: since(),
        sendLagMs,
        connectedMs: Number.isNaN(connectedMs) ? since() : connectedMs,
        sentMs: Number.isNaN(sentMs) ? since() : sentMs,
        headersMs: Number.isNaN(headersMs) ? since() : headersMs,
        status,
        body: text,
        retryAfter,
      });
    };
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: { ...options.headers, 'content-length': String(body.length) },
      },
      (response) => {
        headersMs = since();
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          const retryAfter = response.headers['retry-after'] ?? null;
          response.resume();
          response.on('end', () => finish(status, null, retryAfter));
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => finish(status, Buffer.concat(chunks).toString('utf8')));
      },
    );
    // From the scheduled send time, as OPA's client deadline runs from its request's start (a socket's idle
    // timeout would let a request wait for a free socket unbounded).
    const deadline = setTimeout(
      () => {
        finish(0, null);
        request.destroy();
      },
      Math.max(0, timeoutMs - sendLagMs),
    );
    request.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', connected);
      else connected();
    });
    request.on('finish', () => {
      sentMs = since();
    });
    request.on('close', () => clearTimeout(deadline));
    request.on('error', () => finish(0, null));
    request.end(body);
  };

  let phaseStartMs = 0;
  let lastSecond = 0;
  for (let p = 0; p < phases.length; p++) {
    const { rate, seconds } = phases[p]!;
    const phaseMs = seconds * 1000;
    let sent = 0;
    const total = Math.round(rate * seconds);
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now() - started;
        // Request k is due at k / rate: at the phase's start the first one is due at once (counting only
        // whole intervals elapsed sent each one an interval late, 50 ms at 20 req/s, all of it latency).
        const due = Math.min(total, Math.floor(((now - phaseStartMs) / 1000) * rate) + 1);
        // Each request carries the time it was due, not the time this tick got to it.
        while (sent < due) send(p, phaseStartMs + (sent++ * 1000) / rate);
        if (options.onSecond && now - lastSecond >= 1000) {
          lastSecond = now;
          options.onSecond(outcomes, now);
        }
        if (now - phaseStartMs >= phaseMs && sent >= total) {
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(tick, TICK_MS);
    });
    phaseStartMs += phaseMs;
  }
  const deadline = performance.now() + timeoutMs + 1000;
  while (pending > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  agent.destroy();
  return outcomes;
}
