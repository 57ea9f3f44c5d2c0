-- From the raw table (exact, slow at fleet scale): instances seen in the last 24 h on an older version than the latest release.
SELECT instance_id, version, latest_release, last_seen
FROM
(
  SELECT
    instance_id,
    version,
    last_seen,
    replaceRegexpOne((SELECT argMax(tag, updated_at_us) FROM releases WHERE channel = 'latest'), '^v', '')
      AS latest_release,
    arrayMap(v -> ((toUInt64OrZero(extract(v, '^([0-9]+)')) * 1000000
                    + toUInt64OrZero(extract(v, '^[0-9]+[.]([0-9]+)'))) * 1000000
                    + toUInt64OrZero(extract(v, '^[0-9]+[.][0-9]+[.]([0-9]+)'))) * 2
                   + if(position(v, '-') > 0, 0, 1),
             [version, latest_release]) AS semver
  FROM
  (
    SELECT
      instance_id,
      replaceRegexpOne(argMax(version, received_at_us), '^v', '') AS version,
      max(received_at) AS last_seen
    FROM version_reports
    WHERE received_at >= now() - INTERVAL 1 DAY
    GROUP BY instance_id
  )
)
WHERE match(version, '^[0-9]+[.][0-9]+[.][0-9]+') AND semver[1] < semver[2]
ORDER BY semver[1], instance_id
LIMIT 1000
