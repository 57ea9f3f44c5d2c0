// Pure release logic: choosing the latest OPA release and replying to version reports. No I/O.
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
