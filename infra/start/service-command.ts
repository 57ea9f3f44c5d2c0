// How a service process is started, in one place for the launcher (infra/bin/start) and the benchmarks:
// `node [V8 flags] --import tsx services/<name>/src/main.ts`. `node --import tsx` rather than the tsx CLI,
// which forks a second process, so a signal reaches the service itself.
import { join } from 'node:path';

export type ServiceName =
  | 'gateway'
  | 'release-advisor'
  | 'status-loader'
  | 'telemetry-loader'
  | 'decision-loader'
  | 'fleet-console';

/**
 * V8 flags per service. The gateway allocates a short-lived object graph per report (parsed JSON, the
 * record, buffers): a 32 MB young generation (V8's default is 16 MB) means fewer scavenges and fewer
 * objects promoted; measured about 10–15% more status reports per second on the 2-core machine, for
 * about 55 MB more peak RSS (219 MB under full load). A V8 flag holds for every isolate of the process, so
 * it sizes the work threads' heaps too, where that parsing runs now (WORK_THREADS).
 */
export const SERVICE_NODE_FLAGS: Record<ServiceName, readonly string[]> = {
  gateway: ['--max-semi-space-size=32'],
  'release-advisor': [],
  'status-loader': [],
  'telemetry-loader': [],
  'decision-loader': [],
  'fleet-console': [],
};

/** The arguments after `node` that start service `name` from the repository at `repoRoot`. */
export function serviceNodeArgs(name: ServiceName, repoRoot: string): string[] {
  return [...SERVICE_NODE_FLAGS[name], '--import', 'tsx', join(repoRoot, 'services', name, 'src/main.ts')];
}
