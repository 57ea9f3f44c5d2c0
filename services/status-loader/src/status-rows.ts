// The per-record pipeline of the status-loader: decode (Avro, writer schema by fingerprint) -> flatten.
// Any failure (ContractError: UNKNOWN_SCHEMA, CORRUPT_RECORD; FlattenError) dead-letters the record.
import { statusCodec } from '@opa-fleet/contracts';
import { flattenStatus, type StatusRows } from '@opa-fleet/flatten';
import type { ConsumedRecord } from '@opa-fleet/kafka';

export function statusRowsOf(record: ConsumedRecord): StatusRows {
  const report = statusCodec.decode(record.value ?? Buffer.alloc(0));
  return flattenStatus(report);
}
