-- One decision by its id (parameter decision_id), with everything OPA logged about it; if OPA
-- uploaded it more than once, the first copy the gateway received. decision_id is not a prefix of
-- the sorting key, so this reads the whole table: add a decided_at range when you know the day.
SELECT *
FROM decisions
WHERE decision_id = {decision_id:String}
ORDER BY received_at_us, event_id
LIMIT 1
