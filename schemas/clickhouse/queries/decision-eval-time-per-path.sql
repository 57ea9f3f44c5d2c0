-- p50 and p99 of the policy evaluation time per policy path for decisions in [from, to) (DateTime
-- parameters): OPA's timer_rego_query_eval_ns (nanoseconds spent evaluating the query; OPA also
-- logs timer_server_handler_ns for the whole HTTP request, and parse/compile timers when it did
-- that work). Each decision once (LIMIT 1 BY), so a chunk uploaded again does not weigh twice;
-- decisions without the timer are left out. quantileExact: the value at rank floor(level * n).
SELECT
  policy_path,
  count() AS decisions,
  quantileExact(0.5)(eval_ns) AS eval_ns_p50,
  quantileExact(0.99)(eval_ns) AS eval_ns_p99,
  max(eval_ns) AS eval_ns_max
FROM
(
  SELECT ifNull(path, '') AS policy_path, metric_values[indexOf(metric_names, 'timer_rego_query_eval_ns')] AS eval_ns
  FROM decisions
  WHERE decided_at >= {from:DateTime} AND decided_at < {to:DateTime} AND has(metric_names, 'timer_rego_query_eval_ns')
  LIMIT 1 BY decision_id
)
GROUP BY policy_path
ORDER BY policy_path
