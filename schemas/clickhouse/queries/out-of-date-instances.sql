-- Instances (seen in the last 24 h) whose latest reported version is older than the latest release, by
-- semver: major.minor.patch compared as numbers, a prerelease (`0.20.0-rc1`) older than its release.
-- Builds without a version number (`edge`) are not listed. At most 1000, the oldest versions first.
-- Each instance's latest version report from the instance_latest_versions pre-aggregate (FINAL); the
-- semver order is worked out once per distinct version (a fleet has tens), not per instance.
SELECT instance_id, version, latest_release, last_seen
FROM
(
  SELECT
    instance_id,
    replaceRegexpOne(latest_version, '^v', '') AS version,
    toDateTime(intDiv(last_report_us, 1000000), 'UTC') AS last_seen
  FROM instance_latest_versions FINAL
  WHERE last_report_us >= (toUInt64(now()) - 86400) * 1000000
) AS instances
ALL INNER JOIN
(
  SELECT version, latest_release, semver[1] AS version_order
  FROM
  (
    SELECT
      version,
      replaceRegexpOne((SELECT argMax(tag, updated_at_us) FROM releases WHERE channel = 'latest'), '^v', '')
        AS latest_release,
      -- Each version as one number in semver order: ((major * 10^6 + minor) * 10^6 + patch) * 2, + 1 for a release.
      arrayMap(v -> ((toUInt64OrZero(extract(v, '^([0-9]+)')) * 1000000
                      + toUInt64OrZero(extract(v, '^[0-9]+[.]([0-9]+)'))) * 1000000
                      + toUInt64OrZero(extract(v, '^[0-9]+[.][0-9]+[.]([0-9]+)'))) * 2
                     + if(position(v, '-') > 0, 0, 1),
               [version, latest_release]) AS semver
    FROM
    (
      SELECT DISTINCT replaceRegexpOne(latest_version, '^v', '') AS version
      FROM instance_latest_versions
      WHERE last_report_us >= (toUInt64(now()) - 86400) * 1000000
    )
  )
  WHERE match(version, '^[0-9]+[.][0-9]+[.][0-9]+') AND semver[1] < semver[2]
) AS out_of_date USING version
ORDER BY version_order, instance_id
LIMIT 1000
