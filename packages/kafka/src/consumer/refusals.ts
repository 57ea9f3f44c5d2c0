// A record set aside: the dead letter that goes to the dead-letter topic, logged and counted where
// it is decided (a transform or add that threw, a row the sink refused).
import type { Logger } from 'pino';
import { type ConsumedRecord, type DeadLetter, recordFailure } from '../dead-letter';

export type RefuseRecord = (record: ConsumedRecord, err: unknown) => DeadLetter;

export function refuseRecordWith(options: {
  log: Logger;
  onDeadLetter?: (e: { topic: string; partition: number; offset: string; code: string }) => void;
}): RefuseRecord {
  return (record, err) => {
    const failure = recordFailure(err);
    const { topic, partition, offset } = record;
    options.onDeadLetter?.({ topic, partition, offset, code: failure.code });
    options.log.warn(
      { topic, partition, offset, code: failure.code, path: failure.path, serverCode: failure.serverCode },
      'record dead-lettered',
    );
    return { record, failure };
  };
}
