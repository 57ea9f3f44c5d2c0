-- Pre-aggregates of version reports, so the version questions answer in well under a second at a
-- fleet's size (a million instances, tens of millions of reports a day) instead of scanning
-- version_reports. Each is an AggregatingMergeTree fed by a materialized view on every insert into
-- version_reports (in cluster mode: on each shard, from version_reports_local into the _local target).
--
-- Every state here is idempotent (uniq of ids, argMax, max): merging a state with itself changes
-- nothing, so a redelivered report (the same rows inserted again, which the view sees as a new block),
-- and a backfill that overlaps rows the view already saw, never count twice. No count()/sum() states.
--
-- Two 18.16 pitfalls shape them: it crashes on a view whose aggregate is aliased to the name of a
-- column it reads (so state columns are named apart from their source columns), and an argMax state
-- of a tuple with a Nullable element reads NULL back as 0, '' or garbage, or crashes (so a nullable
-- field is kept as two: an is-NULL flag and the value with NULL as its default; queries rebuild it).

-- Distinct instances per day and version (leading `v` dropped, as daily_active_instances).
-- uniq, not uniqExact: uniq is exact up to 65,536 distinct instances per (day, version) and within
-- about 0.5% above (its sample holds at most 65,536 hashes, 4 bytes each, so a state never exceeds
-- ~256 KB); a uniqExact state keeps every instance's 16-byte hash, ~16-32 MB per day at a million
-- instances, which 30 days of the query would read and merge.
CREATE TABLE IF NOT EXISTS {{local daily_version_instances}} {{on_cluster}}
(
  day Date,
  version String,
  instances_state AggregateFunction(uniq, String)
)
ENGINE = {{aggregating_merge_tree daily_version_instances}}
PARTITION BY toYYYYMM(day)
ORDER BY (day, version);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local daily_version_instances_mv}} {{on_cluster}}
TO {{local daily_version_instances}} AS
SELECT
  toDate(received_at) AS day,
  replaceRegexpOne(version, '^v', '') AS version,
  uniqState(instance_id) AS instances_state
FROM {{local version_reports}}
GROUP BY day, version;

{{distributed daily_version_instances cityHash64(version)}};

-- The latest version report of every instance: its time, and version and heap from that same report
-- (one argMax over a tuple, so both come from one report; heap is NULL when that report had none:
-- tuple (version, heap is NULL, heap or 0)).
-- One row per instance once merged; sharded by instance like version_reports.
CREATE TABLE IF NOT EXISTS {{local instance_versions}} {{on_cluster}}
(
  instance_id String,
  last_report_us AggregateFunction(max, UInt64),
  latest_report AggregateFunction(argMax, Tuple(String, UInt8, UInt64), UInt64)
)
ENGINE = {{aggregating_merge_tree instance_versions}}
ORDER BY instance_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local instance_versions_mv}} {{on_cluster}}
TO {{local instance_versions}} AS
SELECT
  instance_id,
  maxState(received_at_us) AS last_report_us,
  argMaxState(tuple(version, isNull(heap_usage_bytes), ifNull(heap_usage_bytes, 0)), received_at_us)
    AS latest_report
FROM {{local version_reports}}
GROUP BY instance_id;

{{distributed instance_versions cityHash64(instance_id)}};
