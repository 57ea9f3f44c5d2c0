-- p99 of http_request_duration_seconds per instance, from the histogram buckets of each
-- instance's latest report (all label sets summed per `le`), interpolated like Prometheus'
-- histogram_quantile, read from the instance_request_durations pre-aggregate (the latest value of
-- every bucket series; those of the latest report are the ones last reported at the instance's latest
-- time). Counts are cumulative since the OPA process started. Sorting bounds and counts separately
-- keeps them paired because cumulative counts never decrease with `le`.
SELECT
  instance_id,
  arrayFirstIndex(c -> c >= 0.99 * total, counts) AS i,
  if(isInfinite(bounds[i]), bounds[i - 1],
     bounds[i - 1] + (bounds[i] - bounds[i - 1]) * (0.99 * total - counts[i - 1]) / (counts[i] - counts[i - 1])) AS p99
FROM
(
  SELECT instance_id, arraySort(groupArray(le)) AS bounds, arraySort(groupArray(cumulative)) AS counts, max(cumulative) AS total
  FROM
  (
    SELECT instance_id, tupleElement(sample, 2) AS le_text,
           if(le_text = '+Inf', inf, toFloat64OrZero(le_text)) AS le, sum(tupleElement(sample, 3)) AS cumulative
    FROM
    (
      SELECT instance_id, max(sample_us) AS report_us, groupArray(tuple(sample_us, le, value)) AS samples
      FROM
      (
        SELECT instance_id, series, le, maxMerge(last_sample_us) AS sample_us, argMaxMerge(latest_value) AS value
        FROM instance_request_durations
        GROUP BY instance_id, series, le
      )
      GROUP BY instance_id
    )
    ARRAY JOIN samples AS sample
    WHERE tupleElement(sample, 1) = report_us
    GROUP BY instance_id, le_text
  )
  GROUP BY instance_id
)
ORDER BY instance_id
