export { buildApp, type GatewayDeps, type ReleasesSource } from './app';
export { type GatewayConfig, loadGatewayConfig } from './config';
export { createReleasesView, type ReleasesView, type ReleasesViewOptions } from './releases-view';
export { createStatusTopics, type StatusTopics } from './status-topics';
