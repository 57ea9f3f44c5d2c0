-- Latest-report pre-aggregates with plain columns, one row per instance once merged, for the questions
-- about every instance's latest report (heap, share on the latest release, out-of-date instances, p99
-- request duration). They replace reading instance_versions (015) and instance_request_durations
-- (018), which stay (and stay fed) for whoever queries them, but were slow at a fleet's size on 18.16:
-- argMax over a tuple takes its generic path (a Field per value: 1.7 s for a million instances), and
-- instance_request_durations keeps a row per instance and bucket series that the p99 query grouped
-- (2.4 M groups for 100 k instances: seconds).
--
-- ReplacingMergeTree with the report's time as its version: a merge keeps each instance's latest row,
-- whichever was inserted last (a backfill of older rows after newer ones included). Until a merge, an
-- instance may have several rows; the queries take the latest one with argMax, so they are right on
-- unmerged parts too. Redelivery is harmless: the same report again is the same row (same version, same
-- values), whichever copy a merge keeps. The views aggregate each inserted block (GROUP BY instance:
-- one row per instance and block, not per report), with plain aggregates, not states.

-- Each instance's latest version report: its time, version, and heap (NULL-able as an is-NULL flag and
-- the value with 0 for NULL, see 015; argMax of a Nullable would skip NULLs and return an older heap).
CREATE TABLE IF NOT EXISTS {{local instance_latest_versions}} {{on_cluster}}
(
  instance_id String,
  last_report_us UInt64,
  latest_version String,
  heap_is_null UInt8,
  heap_bytes UInt64
)
ENGINE = {{replacing_merge_tree instance_latest_versions last_report_us}}
ORDER BY instance_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local instance_latest_versions_mv}} {{on_cluster}}
TO {{local instance_latest_versions}} AS
SELECT
  instance_id,
  max(received_at_us) AS last_report_us,
  argMax(version, received_at_us) AS latest_version,
  argMax(isNull(heap_usage_bytes), received_at_us) AS heap_is_null,
  argMax(ifNull(heap_usage_bytes, 0), received_at_us) AS heap_bytes
FROM {{local version_reports}}
GROUP BY instance_id;

{{distributed instance_latest_versions cityHash64(instance_id)}};

-- Each instance's latest status report's http_request_duration_seconds histogram: the bucket counts of
-- all its label sets summed per `le` (as histogram_quantile does), bounds sorted ascending (+Inf last)
-- and the counts in the same order. Per report (instance and time) in an inserted block: the report's
-- bucket samples once each (groupUniqArray of (series, le, value): a report twice in one block counts
-- once), then summed per `le` text. A status report's samples come in one insert (a loader cuts its
-- batches between records), so each row holds a whole report.
-- A flat view on purpose: 18.16 runs a materialized view's outermost SELECT on the inserted block and
-- ignores subqueries in its FROM; the sum per `le` is done on the aggregated array instead.
CREATE TABLE IF NOT EXISTS {{local instance_request_histograms}} {{on_cluster}}
(
  instance_id String,
  report_us UInt64,
  bucket_bounds Array(Float64),
  bucket_counts Array(Float64)
)
ENGINE = {{replacing_merge_tree instance_request_histograms report_us}}
ORDER BY instance_id;

-- The SELECT may name only the target's columns (a backfill inserts it as it is), so the report's bucket
-- set, groupUniqArray(tuple(series, le text, value)), is written out where it is used (ClickHouse
-- computes the same aggregate once) and the `le` texts are sorted by their value.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{local instance_request_histograms_mv}} {{on_cluster}}
TO {{local instance_request_histograms}} AS
SELECT
  instance_id,
  received_at_us AS report_us,
  arrayMap(
    l -> if(l = '+Inf', inf, toFloat64OrZero(l)),
    arraySort(
      l -> if(l = '+Inf', inf, toFloat64OrZero(l)),
      arrayDistinct(arrayMap(b -> tupleElement(b, 2), groupUniqArray(
        tuple(cityHash64(label_names, label_values), label_values[indexOf(label_names, 'le')], value))))
    )
  ) AS bucket_bounds,
  arrayMap(
    l -> arraySum(arrayMap(b -> if(tupleElement(b, 2) = l, tupleElement(b, 3), 0), groupUniqArray(
      tuple(cityHash64(label_names, label_values), label_values[indexOf(label_names, 'le')], value)))),
    arraySort(
      l -> if(l = '+Inf', inf, toFloat64OrZero(l)),
      arrayDistinct(arrayMap(b -> tupleElement(b, 2), groupUniqArray(
        tuple(cityHash64(label_names, label_values), label_values[indexOf(label_names, 'le')], value))))
    )
  ) AS bucket_counts
FROM {{local prometheus_samples}}
WHERE name = 'http_request_duration_seconds_bucket'
GROUP BY instance_id, received_at_us;

{{distributed instance_request_histograms cityHash64(instance_id)}};
