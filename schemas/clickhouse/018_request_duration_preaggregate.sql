-- The latest value of every http_request_duration_seconds bucket sample of every instance, and when
-- it was last reported (see 015 for why the states are idempotent), keyed by instance and series (a
-- hash of the sample's label names and values, `le` included). The p99 query sums, per instance and
-- `le`, the series of the instance's latest report (those last reported at the instance's latest
-- time), which is what it would read from that report's rows in prometheus_samples.
--
-- A flat view on purpose: 18.16 runs a materialized view's outermost SELECT on the inserted block and
-- ignores subqueries in its FROM, so a view cannot first sum a report's buckets in a subquery.
CREATE TABLE IF NOT EXISTS {{local instance_request_durations}} {{on_cluster}}
(
  instance_id String,
  series UInt64,
  le String,
  last_sample_us AggregateFunction(max, UInt64),
  latest_value AggregateFunction(argMax, Float64, UInt64)
)
ENGINE = {{aggregating_merge_tree instance_request_durations}}
ORDER BY (instance_id, series, le);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local instance_request_durations_mv}} {{on_cluster}}
TO {{local instance_request_durations}} AS
SELECT
  instance_id,
  cityHash64(label_names, label_values) AS series,
  label_values[indexOf(label_names, 'le')] AS le,
  maxState(received_at_us) AS last_sample_us,
  argMaxState(value, received_at_us) AS latest_value
FROM {{local prometheus_samples}}
WHERE name = 'http_request_duration_seconds_bucket'
GROUP BY instance_id, series, le;

{{distributed instance_request_durations cityHash64(instance_id)}};
