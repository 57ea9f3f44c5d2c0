// Starts the status-loader as a process (config, ops server, signals: see @opa-fleet/loader).
import { runLoaderProcess } from '@opa-fleet/loader';
import { buildStatusLoader } from './app';
import { loadStatusLoaderConfig } from './config';

runLoaderProcess({ name: 'status-loader', loadConfig: loadStatusLoaderConfig, build: buildStatusLoader });
