-- Share of instances (seen in the last 24 h) whose latest reported version is the latest release.
SELECT
  countIf(replaceRegexpOne(version, '^v', '') = replaceRegexpOne(
    (SELECT argMax(tag, updated_at_us) FROM releases WHERE channel = 'latest'), '^v', '')) AS on_latest,
  count() AS instances,
  on_latest / instances AS share
FROM
(
  SELECT instance_id, argMax(version, received_at_us) AS version
  FROM version_reports
  WHERE received_at >= now() - INTERVAL 1 DAY
  GROUP BY instance_id
)
