-- Share of instances (seen in the last 24 h) whose latest reported version is the latest release,
-- from the instance_versions pre-aggregate (each instance's latest version report).
SELECT
  countIf(version = replaceRegexpOne(
    (SELECT argMax(tag, updated_at_us) FROM releases WHERE channel = 'latest'), '^v', '')) AS on_latest,
  count() AS instances,
  on_latest / instances AS share
FROM
(
  SELECT instance_id, replaceRegexpOne(tupleElement(argMaxMerge(latest_report), 1), '^v', '') AS version
  FROM instance_versions
  GROUP BY instance_id
  HAVING maxMerge(last_report_us) >= (toUInt64(now()) - 86400) * 1000000
)
