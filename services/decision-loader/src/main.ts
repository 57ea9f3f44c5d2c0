// Starts the decision-loader as a process (config, ops server, signals: see @opa-fleet/loader).
import { runLoaderProcess } from '@opa-fleet/loader';
import { buildDecisionLoader } from './app';
import { loadDecisionLoaderConfig } from './config';

runLoaderProcess({
  name: 'decision-loader',
  loadConfig: loadDecisionLoaderConfig,
  build: buildDecisionLoader,
});
