-- One instance's decisions (parameter instance_id) in [from, to) (DateTime parameters), oldest
-- first, each once: path, input, result, error, the bundle revisions and OPA's timers.
SELECT
  decided_at,
  decided_at_us,
  decision_id,
  partition,
  ifNull(path, '') AS policy_path,
  query,
  input_json,
  result_json,
  error_json,
  bundle_names,
  bundle_revisions,
  metric_names,
  metric_values
FROM decisions
WHERE instance_id = {instance_id:String} AND decided_at >= {from:DateTime} AND decided_at < {to:DateTime}
ORDER BY decided_at_us, decision_id
LIMIT 1 BY decision_id
