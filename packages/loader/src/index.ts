export { type LoaderConfig, type LoaderEnv, loaderConfig, loaderEnvShape } from './loader-config';
export { createLoaderMetrics, type LoaderMetrics } from './loader-metrics';
export { type LoaderProcess, runLoaderProcess } from './loader-process';
export { createLoaderService, type LoaderDefinition, type LoaderService } from './loader-service';
