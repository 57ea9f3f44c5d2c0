// One work thread (work-threads.ts starts them): runs each report job it is sent (report-work.ts) and
// sends back its result, or its error as data, under the job's id. Jobs run one at a time, in order.
import { parentPort, workerData } from 'node:worker_threads';
import { createReportWork, type ReportJob, type ReportWorkSettings } from './report-work';
import { errorToWire, resultToWire } from './work-wire';

const port = parentPort!;
const work = createReportWork((workerData as { settings: ReportWorkSettings }).settings);

port.on('message', (message: { id: number; job: ReportJob } | { end: true }) => {
  // Asked to end (the gateway is closing): every job sent before has been answered, in order.
  if ('end' in message) {
    port.close();
    return;
  }
  const { id, job } = message;
  try {
    const { result, transfer } = resultToWire(work(job));
    port.postMessage({ id, ok: true, result }, transfer);
  } catch (err) {
    port.postMessage({ id, ok: false, error: errorToWire(err) });
  }
});
// Loaded and compiled: the gateway counts this thread ready (readyz).
port.postMessage({ ready: true });
