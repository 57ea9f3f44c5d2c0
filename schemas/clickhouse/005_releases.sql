-- The OPA release catalog as published on the releases topic (telemetry-loader), so analysts
-- can compare reported versions with the latest release.
CREATE TABLE IF NOT EXISTS {{local releases}} {{on_cluster}}
(
  channel String,
  tag String,
  release_notes String,
  download_base String,
  published_at Nullable(DateTime('UTC')),
  source String,
  updated_at DateTime('UTC'),
  updated_at_us UInt64
)
ENGINE = {{replacing_merge_tree releases}}
PARTITION BY toYYYYMM(updated_at)
ORDER BY (channel, updated_at_us, tag);

{{distributed releases cityHash64(channel)}};
