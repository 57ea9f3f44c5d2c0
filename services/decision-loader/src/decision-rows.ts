// The per-record pipeline of the decision-loader: decode -> flatten, one `decisions` row per event of the
// record (a DecisionBatch: an upload's events; or a single DecisionEvent written by an older gateway).
// A failure dead-letters the record.
import { decisionEventsOf } from '@opa-fleet/contracts';
import { type DecisionRow, flattenDecision } from '@opa-fleet/flatten';
import type { ConsumedRecord } from '@opa-fleet/kafka';

export interface DecisionRows {
  decisions: DecisionRow[];
}

export function decisionRowsOf(record: ConsumedRecord): DecisionRows {
  return { decisions: decisionEventsOf(record.value ?? Buffer.alloc(0)).map(flattenDecision) };
}
