// What each simulated instance sends next, like real OPAs do it: a version report when it starts and
// once a (scaled) day, status updates in between; now and then a bundle changes revision or fails.
import type { SimulatedInstance } from './fleet';
import type { Random } from './random';
import { type OutgoingReport, statusReport, versionReport } from './reports';

export interface ScheduleOptions {
  /** Length of a simulated day: how often an instance repeats its version report. */
  dayMs: number;
  /** Chance per status update that one bundle moves to a new revision. */
  changeChance: number;
  /** Tag every report with its sequence number (`sim_seq`), for tests that trace reports end to end. */
  trace?: boolean;
  /** Sequence number of the first report (default 0); runs against the same tables use disjoint ranges. */
  firstSeq?: number;
}

export interface Schedule {
  /** The next report of the fleet, round-robin over instances. */
  next(nowMs: number): OutgoingReport;
}

export function createSchedule(
  fleet: SimulatedInstance[],
  random: Random,
  options: ScheduleOptions,
): Schedule {
  const lastVersionAt = new Map<string, number>();
  let cursor = 0;
  let seq = options.firstSeq ?? 0;
  return {
    next(nowMs) {
      const instance = fleet[cursor]!;
      cursor = (cursor + 1) % fleet.length;
      const last = lastVersionAt.get(instance.id);
      let report: OutgoingReport;
      if (last === undefined || nowMs - last >= options.dayMs) {
        lastVersionAt.set(instance.id, nowMs);
        report = versionReport(instance, seq, options.trace);
      } else {
        if (random.chance(options.changeChance)) random.pick(instance.bundles).revision += 1;
        report = statusReport(instance, nowMs, seq, options.trace);
      }
      instance.reportsSent += 1;
      seq += 1;
      return report;
    },
  };
}
