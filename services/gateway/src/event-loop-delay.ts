// Feeds the admission how late the event loop runs: a timer every SAMPLE_MS that measures its own lateness.
// A request that arrives while the loop is busy waits that long before the gateway even reads its headers,
// a wait no per-request clock inside the gateway can see (admission.ts).
import type { Admission } from './admission';

/** Often enough for a 100 ms control window to see several samples; cheap (one timer). */
const SAMPLE_MS = 20;

/** Starts sampling; returns the function that stops it. The timer never keeps the process alive. */
export function sampleEventLoopDelay(admission: Pick<Admission, 'observeDelay'>): () => void {
  let expected = performance.now() + SAMPLE_MS;
  const timer = setInterval(() => {
    const at = performance.now();
    admission.observeDelay(Math.max(0, at - expected));
    expected = at + SAMPLE_MS;
  }, SAMPLE_MS);
  timer.unref();
  return () => clearInterval(timer);
}
