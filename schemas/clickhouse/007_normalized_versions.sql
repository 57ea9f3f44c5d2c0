-- OPA reports its version as `v0.19.2` in version reports and as `0.19.2` in status labels:
-- daily_active_instances groups by the version without a leading `v`, so both count as one
-- version (`edge` and prereleases such as `0.20.0-dev` stay as they are: other builds). The rows are
-- untouched; only the view changes.
--
-- 18.16 has no CREATE OR REPLACE VIEW (nor DROP VIEW): the view is dropped and created again. A view
-- holds no data, and both statements are idempotent, so re-running this file or two runners racing
-- on it always ends with this definition; a query on the view in the instant between the two
-- statements fails and can be retried.
DROP TABLE IF EXISTS {{table daily_active_instances}} {{on_cluster}};

CREATE VIEW IF NOT EXISTS {{table daily_active_instances}} {{on_cluster}} AS
SELECT
  toDate(received_at) AS day,
  replaceRegexpOne(version, '^v', '') AS version,
  uniqExact(instance_id) AS instances
FROM {{table version_reports}}
GROUP BY day, version;
