// A stand-in work thread for work-threads.test.ts: says it is ready, then exits on the first job whose
// body is the text "die" (as a thread killed by the system would), and otherwise answers a fixed record.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', ({ id, job, end }) => {
  if (end) {
    parentPort.close();
    return;
  }
  if (Buffer.from(job.body).toString() === 'die') process.exit(3);
  parentPort.postMessage({ id, ok: true, result: { id: 'x', record: new Uint8Array([1, 2, 3]) } });
});
parentPort.postMessage({ ready: true });
