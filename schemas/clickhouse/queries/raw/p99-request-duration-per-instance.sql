-- From the raw table (exact, slow at fleet scale): p99 of http_request_duration_seconds per instance.
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
    SELECT instance_id, label_values[indexOf(label_names, 'le')] AS le_text,
           if(le_text = '+Inf', inf, toFloat64OrZero(le_text)) AS le, sum(value) AS cumulative
    FROM prometheus_samples FINAL
    WHERE name = 'http_request_duration_seconds_bucket'
      AND event_id IN
      (
        SELECT argMax(event_id, received_at_us)
        FROM prometheus_samples
        WHERE name = 'http_request_duration_seconds_bucket'
        GROUP BY instance_id
      )
    GROUP BY instance_id, le_text
  )
  GROUP BY instance_id
)
ORDER BY instance_id
