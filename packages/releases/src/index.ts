// Pure release logic: choosing the latest OPA release and replying to version reports and GitHub-style
// version checks. No I/O.
export {
  entityTag,
  GITHUB_NOT_FOUND,
  type GitHubRelease,
  type GitHubReleaseAsset,
  type GitHubRepository,
  githubReleaseOf,
  matchesIfNoneMatch,
  OPA_PLATFORMS,
} from './github-release';
export {
  downloadLink,
  FALLBACK_PLATFORM,
  type LatestReleaseDetails,
  type LatestReleaseReply,
  latestReleaseReply,
} from './latest-release-reply';
export { pickLatestRelease, type ReleaseCandidate } from './pick-latest-release';
export { ReleaseError, type ReleaseErrorCode } from './release-error';
export {
  DEFAULT_CHANNEL,
  DEFAULT_DOWNLOAD_BASE,
  DEFAULT_RELEASE_NOTES_BASE,
  decidePublication,
  type PublicationDecision,
  type PublicationReason,
  type ReleaseInfoOptions,
  releaseInfoFrom,
} from './release-info';
export { isUpToDate, normalizeReleaseTag, parseReleaseVersion } from './release-version';
