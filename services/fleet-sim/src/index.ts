export {
  type EncodedChunk,
  type EncodedChunks,
  encodeDecisionChunks,
  OPA_UPLOAD_SIZE_LIMIT_BYTES,
} from './decision-chunks';
export { type DecisionEventBody, decisionEvent, goTimeNanos } from './decision-events';
export {
  createDecisionLog,
  type DecisionLog,
  type DecisionLogOptions,
  type DecisionUpload,
} from './decision-log';
export { createFleet, type FleetOptions, type PrometheusSpelling, type SimulatedInstance } from './fleet';
export { type Random, seededRandom } from './random';
export { type OutgoingReport, opaHeaders, statusReport, versionReport } from './reports';
export { createSchedule, type Schedule, type ScheduleOptions } from './schedule';
export { type OutgoingRequest, type RunOptions, type RunProgress, type RunSummary, runFleet } from './sender';
