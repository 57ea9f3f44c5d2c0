// What the advisor polls: a named source of releases.
import type { ReleaseCandidate } from '@opa-fleet/releases';

export interface ReleaseSource {
  /** `github`, `file`: also the `source` of the ReleaseInfo it yields. */
  readonly name: string;
  /** How often to poll after a success. */
  readonly intervalMs: number;
  /** The source's releases, or `unchanged` when they are known not to have changed. Throws AdvisorError. */
  load(): Promise<ReleaseCandidate[] | 'unchanged'>;
}
