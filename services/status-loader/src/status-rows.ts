// The per-record pipeline of the status-loader: decode (Avro, writer schema by fingerprint) -> which
// samples to store (the metric volume controls, sample-volume.ts) -> flatten.
// Any failure (ContractError: UNKNOWN_SCHEMA, CORRUPT_RECORD; FlattenError) dead-letters the record.
import { statusCodec } from '@opa-fleet/contracts';
import { flattenStatus, type StatusRows } from '@opa-fleet/flatten';
import type { ConsumedRecord } from '@opa-fleet/kafka';
import { createSampleVolumeControl, KEEP_EVERY_SAMPLE, type SampleVolumeSettings } from './sample-volume';

export function statusRowsWith(
  settings: SampleVolumeSettings = KEEP_EVERY_SAMPLE,
): (record: ConsumedRecord) => StatusRows {
  const samples = createSampleVolumeControl(settings);
  return (record) => {
    const report = statusCodec.decode(record.value ?? Buffer.alloc(0));
    return flattenStatus(samples.apply(report));
  };
}

/** Every sample of every report (the default settings). */
export const statusRowsOf: (record: ConsumedRecord) => StatusRows = statusRowsWith();
