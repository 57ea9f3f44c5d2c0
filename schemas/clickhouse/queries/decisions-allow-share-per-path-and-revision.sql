-- Allow/deny share per policy path and bundle revision for decisions in [from, to) (DateTime
-- parameters). A decision counts once per bundle it was made with (OPA logs every active bundle's
-- revision); one without bundles under bundle '' with the deprecated `revision`, if OPA sent one.
-- allowed: the result is `true`, or an object whose `allow` is `true` (e.g. {"allow":true,"reasons":[]});
-- denied: `false`, or an object whose `allow` is `false`; other: anything else, including no
-- result (OPA's undefined decision, or an error). `allow` is the first field of that name in the
-- object (18.16 has only the visitParam functions, which do not tell nesting levels apart).
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
  WHERE decided_at >= {from:DateTime} AND decided_at < {to:DateTime}
)
ARRAY JOIN
  if(empty(bundle_names), [''], bundle_names) AS bundle,
  if(empty(bundle_names), [legacy_revision], bundle_revisions) AS revision
GROUP BY policy_path, bundle, revision
ORDER BY policy_path, bundle, revision
