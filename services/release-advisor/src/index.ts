// The release advisor's surface for tests and tooling (the service itself starts from main.ts).
export { type Advisor, type AdvisorOptions, createAdvisor } from './advisor';
export { AdvisorError, type AdvisorErrorCode } from './advisor-error';
export { type AdvisorApp, buildApp, buildSources } from './app';
export { type PublishCommand, type PublishResult, parsePublishArgs, publishByHand } from './cli';
export { type AdvisorConfig, configSchema, loadAdvisorConfig, releasesTopic } from './config';
export { createFileReleasesSource } from './file-releases-source';
export { createGithubReleasesSource } from './github-releases-source';
export type { ReleaseSource } from './release-source';
export { createReleasesTopic, type ReleasesTopic } from './releases-topic';
