-- Share of instances (seen in the last 24 h) whose latest reported version is the latest release,
-- from the instance_latest_versions pre-aggregate (FINAL: each instance's latest version report).
SELECT
  countIf(version = replaceRegexpOne(
    (SELECT argMax(tag, updated_at_us) FROM releases WHERE channel = 'latest'), '^v', '')) AS on_latest,
  count() AS instances,
  on_latest / instances AS share
FROM
(
  SELECT replaceRegexpOne(latest_version, '^v', '') AS version
  FROM instance_latest_versions FINAL
  WHERE last_report_us >= (toUInt64(now()) - 86400) * 1000000
)
