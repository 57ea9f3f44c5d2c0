-- From the raw table (exact, reads the whole table: decision_id is not a prefix of its sorting key): one
-- decision by its id, the first copy the gateway received.
SELECT *
FROM decisions
WHERE decision_id = {decision_id:String}
ORDER BY received_at_us, event_id
LIMIT 1
