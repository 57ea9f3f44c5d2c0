// The simulated fleet: who the instances are. Pure and deterministic for a given seed.
import { type Random, seededRandom } from './random';

export type PrometheusSpelling = 'array' | 'map' | 'protojson';

export interface SimulatedInstance {
  id: string;
  /** As OPA reports it in labels (no `v`). */
  version: string;
  os: 'linux' | 'darwin' | 'windows';
  arch: 'amd64' | 'arm64';
  /** Status partition (`/status/<partition>`), or null for `/status/`. */
  partition: string | null;
  region: string;
  bundles: SimulatedBundle[];
  spelling: PrometheusSpelling;
  /** Reports sent so far by this instance; drives revisions and counters. */
  reportsSent: number;
}

export interface SimulatedBundle {
  name: string;
  /** A failing bundle reports an HTTP or compile error instead of activating. */
  failing: 'no' | 'http' | 'compile';
  revision: number;
}

export interface FleetOptions {
  size: number;
  seed: number;
  /** Partition names to spread instances over; '' stands for the default `/status/`. */
  partitions: readonly string[];
  /** Share of instances with a failing bundle, 0..1. */
  failingShare: number;
}

// A realistic spread: most instances on recent releases, a long tail of old ones and some dev builds.
const VERSIONS: readonly [string, number][] = [
  ['1.4.2', 30],
  ['1.4.1', 15],
  ['1.3.0', 15],
  ['1.0.0', 10],
  ['0.70.0', 10],
  ['0.61.0', 8],
  ['0.12.3', 5],
  ['1.5.0-dev', 4],
  ['edge', 3],
];
const PLATFORMS: readonly [SimulatedInstance['os'], SimulatedInstance['arch'], number][] = [
  ['linux', 'amd64', 70],
  ['linux', 'arm64', 15],
  ['darwin', 'arm64', 8],
  ['darwin', 'amd64', 4],
  ['windows', 'amd64', 3],
];
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-south-1'] as const;
const SPELLINGS: readonly PrometheusSpelling[] = ['array', 'map', 'protojson'];

function weighted<T>(random: Random, entries: readonly T[], weight: (entry: T) => number): T {
  const total = entries.reduce((sum, e) => sum + weight(e), 0);
  let roll = random.next() * total;
  for (const entry of entries) {
    roll -= weight(entry);
    if (roll < 0) return entry;
  }
  return entries[entries.length - 1]!;
}

export function createFleet(options: FleetOptions): SimulatedInstance[] {
  const random = seededRandom(options.seed);
  return Array.from({ length: options.size }, (_, index) => {
    const [os, arch] = weighted(random, PLATFORMS, (p) => p[2]);
    const failing = random.chance(options.failingShare) ? random.pick(['http', 'compile'] as const) : 'no';
    const partition =
      options.partitions.length > 0 ? options.partitions[index % options.partitions.length]! : '';
    return {
      id: random.uuid(),
      version: weighted(random, VERSIONS, (v) => v[1])[0],
      os,
      arch,
      partition: partition === '' ? null : partition,
      region: random.pick(REGIONS),
      bundles: [
        { name: 'authz', failing: 'no', revision: random.int(1, 1000) },
        { name: 'http/example/data', failing, revision: random.int(1, 1000) },
      ],
      spelling: random.pick(SPELLINGS),
      reportsSent: 0,
    };
  });
}
