export { buildApp, type GatewayDeps, type ReleasesSource } from './app';
export { type GatewayConfig, loadGatewayConfig } from './config';
export { createPartitionTopics, type PartitionTopics } from './partition-topics';
export { createReleasesView, type ReleasesView, type ReleasesViewOptions } from './releases-view';
