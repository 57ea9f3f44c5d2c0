// Public surface of the fleet console: the app factory and its configuration (tests and infra/start use them).
export { buildApp, type ConsoleDeps } from './app';
export { type ConsoleConfig, DEFAULT_METRICS_TARGETS, loadConsoleConfig, type MetricsTarget } from './config';
export {
  type DocumentedQueries,
  type DocumentedQuery,
  loadDocumentedQueries,
  sqlForRequest,
} from './documented-queries';
