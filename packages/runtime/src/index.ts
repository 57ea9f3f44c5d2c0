export { Backoff, type RetryPolicy } from './backoff';
export {
  type BearerTokenCheck,
  type BearerVerdict,
  createBearerTokenCheck,
  parseTokenFile,
} from './bearer-tokens';
export { type LoadConfigOptions, loadConfig } from './config';
export { envBoolean, envList, envPort, envPositiveInt, envRegex } from './env-types';
export { ConfigError, type ConfigIssue } from './errors';
export { envKafkaBrokers, envTopicPrefix, kafkaEnvShape } from './kafka-env';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export { createMetrics, type Registry } from './metrics';
export { type OpsServer, type OpsServerOptions, startOpsServer } from './ops-server';
export { checkReadiness, type ReadinessCheck, type ReadinessChecks, type ReadinessResult } from './readiness';
export { type Closer, createShutdown, type Shutdown, type ShutdownOptions } from './shutdown';
export { retryStartUpStep } from './start-up-step';
