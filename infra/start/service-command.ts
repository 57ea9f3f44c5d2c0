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
 * V8 flags per service; none today. The gateway ran with `--max-semi-space-size=32` (a 32 MB young
 * generation instead of V8's 16 MB) while it parsed reports on its event loop: about 10-15% more status
 * reports per second then. Since that work runs in work threads (WORK_THREADS) it bought nothing
 * measurable, and a V8 flag sizes every isolate of the process, the threads' too: under the large real
 * body the main thread's young generation alone was 67 MB instead of 34 MB, and peak RSS about 30-40 MB
 * higher (README, "Gateway memory", 2026-12-02).
 */
export const SERVICE_NODE_FLAGS: Record<ServiceName, readonly string[]> = {
  gateway: [],
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
