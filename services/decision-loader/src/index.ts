export { buildDecisionLoader, type DecisionLoader } from './app';
export { type DecisionLoaderConfig, decisionLoaderEnvSchema, loadDecisionLoaderConfig } from './config';
export { type DecisionRows, decisionRowsOf } from './decision-rows';
