-- Allow/deny share per policy path and bundle revision for decisions in the whole hours from the one
-- holding `from` to the last one starting before `to` (DateTime parameters), from the
-- decision_verdicts_hourly pre-aggregate. A decision counts once per bundle it was made with (OPA logs
-- every active bundle's revision); one without bundles under bundle '' with the deprecated `revision`,
-- if OPA sent one. allowed: the result is `true`, or an object whose `allow` is `true` (e.g.
-- {"allow":true,"reasons":[]}); denied: `false`, or an object whose `allow` is `false`; other: anything
-- else, including no result (OPA's undefined decision, or an error). `allow` is the first field of that
-- name in the object (18.16 has only the visitParam functions, which do not tell nesting levels apart).
-- Each count exact up to 100; above, a HyperLogLog estimate (uniqHLL12: within about 1.5% on average,
-- 5% at worst; see schemas/clickhouse/022_sketch_preaggregates.sql), so allow_share is too.
SELECT
  policy_path,
  bundle,
  bundle_revision AS revision,
  if(uniqUpToMerge(100)(decisions_small) <= 100, uniqUpToMerge(100)(decisions_small), uniqHLL12Merge(decisions_hll))
    AS decisions,
  if(uniqUpToIfMerge(100)(allowed_small) <= 100, uniqUpToIfMerge(100)(allowed_small), uniqHLL12IfMerge(allowed_hll))
    AS allowed,
  if(uniqUpToIfMerge(100)(denied_small) <= 100, uniqUpToIfMerge(100)(denied_small), uniqHLL12IfMerge(denied_hll))
    AS denied,
  if(uniqUpToIfMerge(100)(other_small) <= 100, uniqUpToIfMerge(100)(other_small), uniqHLL12IfMerge(other_hll))
    AS other,
  allowed / decisions AS allow_share
FROM decision_verdicts_hourly
WHERE hour >= toStartOfHour(toDateTime({from:DateTime})) AND hour < {to:DateTime}
GROUP BY policy_path, bundle, bundle_revision
ORDER BY policy_path, bundle, revision
