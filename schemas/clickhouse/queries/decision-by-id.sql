-- One decision by its id (parameter decision_id), with everything OPA logged about it; if OPA
-- uploaded it more than once, the first copy the gateway received. The decision_locations lookup
-- (sorted by decision_id) gives the day and instance it was made on, the prefix of the decisions
-- table's sorting key, so this reads only that instance's granules of that day. Plain IN, not GLOBAL
-- IN: 18.16 uses the sorting key for the set of a plain IN only. In cluster mode each shard reads its
-- own part of the lookup (distributed_product_mode 'local'), which holds its decisions: both tables are
-- sharded by instance.
SELECT *
FROM decisions
WHERE toDate(decided_at) IN (SELECT day FROM decision_locations WHERE decision_id = {decision_id:String})
  AND instance_id IN (SELECT instance_id FROM decision_locations WHERE decision_id = {decision_id:String})
  AND decision_id = {decision_id:String}
ORDER BY received_at_us, event_id
LIMIT 1
SETTINGS distributed_product_mode = 'local'
