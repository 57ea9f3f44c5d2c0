// The per-record pipeline of the decision-loader: decode -> flatten, one `decisions` row per event.
// A failure dead-letters the record.
import { decisionCodec } from '@opa-fleet/contracts';
import { type DecisionRow, flattenDecision } from '@opa-fleet/flatten';
import type { ConsumedRecord } from '@opa-fleet/kafka';

export interface DecisionRows {
  decisions: DecisionRow[];
}

export function decisionRowsOf(record: ConsumedRecord): DecisionRows {
  return { decisions: [flattenDecision(decisionCodec.decode(record.value ?? Buffer.alloc(0)))] };
}
