-- From the raw table (exact, slow at fleet scale): heap usage distribution by version.
SELECT
  version,
  count() AS instances,
  quantilesExact(0.5, 0.9, 0.99)(heap) AS heap_p50_p90_p99,
  max(heap) AS heap_max
FROM
(
  SELECT replaceRegexpOne(tupleElement(latest, 1), '^v', '') AS version, tupleElement(latest, 2) AS heap
  FROM
  (
    SELECT instance_id, argMax(tuple(version, heap_usage_bytes), received_at_us) AS latest
    FROM version_reports
    WHERE received_at >= now() - INTERVAL 1 DAY
    GROUP BY instance_id
  )
)
GROUP BY version
ORDER BY version
