-- p99 of http_request_duration_seconds per instance, from the histogram buckets of each
-- instance's latest report (all label sets summed per `le`), interpolated like Prometheus'
-- histogram_quantile, read from the instance_request_histograms pre-aggregate (per instance and
-- report: the bounds sorted, +Inf last, and the summed counts in the same order; FINAL keeps each
-- instance's latest report, also before merges). Counts are cumulative since the OPA process started.
-- Sorting the counts as well keeps this the raw query's answer even if a report's were not monotone.
SELECT
  instance_id,
  arrayFirstIndex(c -> c >= 0.99 * total, counts) AS i,
  if(isInfinite(bounds[i]), bounds[i - 1],
     bounds[i - 1] + (bounds[i] - bounds[i - 1]) * (0.99 * total - counts[i - 1]) / (counts[i] - counts[i - 1])) AS p99
FROM
(
  SELECT instance_id, bucket_bounds AS bounds, arraySort(bucket_counts) AS counts, arrayReduce('max', counts) AS total
  FROM instance_request_histograms FINAL
)
ORDER BY instance_id
