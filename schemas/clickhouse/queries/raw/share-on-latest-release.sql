-- From the raw table (exact, slow at fleet scale): share of instances on the latest release.
SELECT
  countIf(version = replaceRegexpOne(
    (SELECT argMax(tag, updated_at_us) FROM releases WHERE channel = 'latest'), '^v', '')) AS on_latest,
  count() AS instances,
  on_latest / instances AS share
FROM
(
  SELECT instance_id, replaceRegexpOne(argMax(version, received_at_us), '^v', '') AS version
  FROM version_reports
  WHERE received_at >= now() - INTERVAL 1 DAY
  GROUP BY instance_id
)
