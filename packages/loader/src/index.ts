// Public surface of @opa-fleet/loader: a loader's config, its service (the chain, built without
// starting it) and its process (main).
export { type LoaderConfig, type LoaderEnv, loaderConfig, loaderEnvShape } from './loader-config';
export { type LoaderProcess, runLoaderProcess } from './loader-process';
export { createLoaderService, type LoaderDefinition, type LoaderService } from './loader-service';
export { type RetentionCommandResult, retentionEnvSchema, runRetentionCommand } from './retention-command';
