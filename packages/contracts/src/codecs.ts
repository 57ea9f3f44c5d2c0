// The codecs of the three record subjects, over every version kept in schemas/avro.

import { createRecordCodec, type RecordCodec } from './record-codec';
import { schemaVersionsOf } from './schema-catalog';
import { statusWireMapping } from './status-wire';
import type { ReleaseInfo, StatusReport, TelemetryReport } from './types';

export const telemetryCodec: RecordCodec<TelemetryReport> = createRecordCodec({
  versions: schemaVersionsOf('telemetry-report'),
});

export const statusCodec: RecordCodec<StatusReport> = createRecordCodec({
  versions: schemaVersionsOf('status-report'),
  wireMapping: statusWireMapping,
});

export const releaseCodec: RecordCodec<ReleaseInfo> = createRecordCodec({
  versions: schemaVersionsOf('release-info'),
});
