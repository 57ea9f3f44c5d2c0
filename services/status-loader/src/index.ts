export { buildStatusLoader, type StatusLoader } from './app';
export { loadStatusLoaderConfig, type StatusLoaderConfig, statusLoaderEnvSchema } from './config';
export { statusRowsOf } from './status-rows';
