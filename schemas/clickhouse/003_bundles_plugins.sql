-- One row per bundle of a status report: `kind` = bundle | discovery | legacy (the deprecated
-- single `bundle`). Bundle errors and numeric bundle metrics as parallel arrays.
-- Sorted by hour then instance: "bundles that failed in the last hour" reads a short time range.
CREATE TABLE IF NOT EXISTS {{local bundles}} {{on_cluster}}
(
  event_id String,
  seq UInt32,
  received_at DateTime('UTC'),
  received_at_us UInt64,
  instance_id String,
  partition String,
  kind String,
  name String,
  active_revision Nullable(String),
  last_successful_download Nullable(DateTime('UTC')),
  last_successful_activation Nullable(DateTime('UTC')),
  last_request Nullable(DateTime('UTC')),
  last_successful_request Nullable(DateTime('UTC')),
  type Nullable(String),
  size Nullable(UInt64),
  code Nullable(String),
  message Nullable(String),
  http_code Nullable(Int32),
  error_codes Array(String),
  error_messages Array(String),
  error_files Array(String),
  error_rows Array(UInt32),
  error_cols Array(UInt32),
  error_details_json Array(String),
  metric_names Array(String),
  metric_values Array(Float64),
  extra_json Nullable(String)
)
ENGINE = {{replacing_merge_tree bundles}}
PARTITION BY toYYYYMM(received_at)
ORDER BY (toStartOfHour(received_at), instance_id, event_id, seq);

{{distributed bundles cityHash64(instance_id)}};

-- One row per plugin of a status report.
CREATE TABLE IF NOT EXISTS {{local plugins}} {{on_cluster}}
(
  event_id String,
  seq UInt32,
  received_at DateTime('UTC'),
  received_at_us UInt64,
  instance_id String,
  partition String,
  name String,
  state String,
  message Nullable(String),
  extra_json Nullable(String)
)
ENGINE = {{replacing_merge_tree plugins}}
PARTITION BY toYYYYMM(received_at)
ORDER BY (toStartOfHour(received_at), instance_id, event_id, seq);

{{distributed plugins cityHash64(instance_id)}};
