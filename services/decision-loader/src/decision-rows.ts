// The per-record pipeline of the decision-loader: a record of the decisions topics -> its `decisions` rows,
// one per event. A DecisionBatch of the schema the gateway writes is transcoded from Avro straight into
// RowBinary (decision-row-binary.ts: no object per event); any other record (a single DecisionEvent from an
// older gateway, another schema version) is decoded and flattened, and the table's RowBinary spec writes
// the same bytes from the rows. A failure dead-letters the record.
import { decisionRowsBinaryOf, type RowBinaryRows } from '@opa-fleet/clickhouse';
import { decisionEventsOf } from '@opa-fleet/contracts';
import { type DecisionRow, flattenDecision } from '@opa-fleet/flatten';
import type { ConsumedRecord } from '@opa-fleet/kafka';

export interface DecisionRows {
  decisions: DecisionRow[] | RowBinaryRows;
}

export function decisionRowsOf(record: ConsumedRecord): DecisionRows {
  const value = record.value ?? Buffer.alloc(0);
  const binary = decisionRowsBinaryOf(value);
  if (binary !== null) return { decisions: binary };
  return { decisions: decisionEventsOf(value).map(flattenDecision) };
}
