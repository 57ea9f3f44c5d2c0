export { createFleet, type FleetOptions, type PrometheusSpelling, type SimulatedInstance } from './fleet';
export { type Random, seededRandom } from './random';
export { type OutgoingReport, statusReport, versionReport } from './reports';
export { createSchedule, type Schedule, type ScheduleOptions } from './schedule';
export { type RunOptions, type RunProgress, type RunSummary, runFleet } from './sender';
