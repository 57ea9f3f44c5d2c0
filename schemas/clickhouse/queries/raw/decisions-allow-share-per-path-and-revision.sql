-- From the raw table (exact, slow at fleet scale): allow/deny share per policy path and bundle revision,
-- over the whole hours from the one holding `from` to before `to`.
SELECT
  policy_path,
  bundle,
  revision,
  uniqExact(decision_id) AS decisions,
  uniqExactIf(decision_id, verdict = 'allow') AS allowed,
  uniqExactIf(decision_id, verdict = 'deny') AS denied,
  uniqExactIf(decision_id, verdict = 'other') AS other,
  allowed / decisions AS allow_share
FROM
(
  SELECT
    decision_id,
    ifNull(path, '') AS policy_path,
    ifNull(result_json, '') AS result,
    if(startsWith(result, '{'), visitParamExtractRaw(result, 'allow'), result) AS allow_value,
    multiIf(allow_value = 'true', 'allow', allow_value = 'false', 'deny', 'other') AS verdict,
    bundle_names,
    bundle_revisions,
    ifNull(revision, '') AS legacy_revision
  FROM decisions
  WHERE decided_at >= toStartOfHour(toDateTime({from:DateTime})) AND toStartOfHour(decided_at) < {to:DateTime}
)
ARRAY JOIN
  if(empty(bundle_names), [''], bundle_names) AS bundle,
  if(empty(bundle_names), [legacy_revision], bundle_revisions) AS revision
GROUP BY policy_path, bundle, revision
ORDER BY policy_path, bundle, revision
