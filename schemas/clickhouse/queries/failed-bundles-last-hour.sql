-- Instances whose bundles (incl. discovery) failed to activate in the last hour, with the error:
-- the most recent failing report of each instance and bundle, from the bundle_failures_hourly
-- pre-aggregate (the hour buckets that overlap the last hour; an instance and bundle counts when its
-- latest failure there is within the hour, and then that failure is its latest in the hour).
SELECT
  instance_id, kind, name,
  tupleElement(failure, 1) AS received_at,
  tupleElement(failure, 2) AS code,
  if(tupleElement(failure, 3), NULL, tupleElement(failure, 4)) AS http_code,
  if(tupleElement(failure, 5), NULL, tupleElement(failure, 6)) AS message,
  tupleElement(failure, 7) AS error_codes,
  tupleElement(failure, 8) AS error_messages
FROM
(
  SELECT instance_id, kind, name, argMaxMerge(latest_failure) AS failure
  FROM bundle_failures_hourly
  WHERE hour >= toStartOfHour(now() - INTERVAL 1 HOUR)
  GROUP BY instance_id, kind, name
  HAVING maxMerge(last_failure_us) >= (toUInt64(now()) - 3600) * 1000000
)
ORDER BY instance_id, kind, name
