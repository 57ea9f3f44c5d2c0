export { buildStatusLoader, type StatusLoader } from './app';
export { loadStatusLoaderConfig, type StatusLoaderConfig, statusLoaderEnvSchema } from './config';
export {
  createSampleVolumeControl,
  KEEP_EVERY_SAMPLE,
  type SampleVolumeControl,
  type SampleVolumeSettings,
} from './sample-volume';
export { statusRowsOf, statusRowsWith } from './status-rows';
