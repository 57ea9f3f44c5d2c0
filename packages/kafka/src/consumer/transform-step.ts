// Transform: a consumed record into the value its sink takes (for a loader: decode -> flatten into
// rows per table). A record that throws is handed on with its error, to be dead-lettered in order
// with the others (its offset is committed with the batch it lands in).
import type { ConsumedRecord } from '../dead-letter';
import type { Step, TransformedRecord } from './step';

export function transformStep<V>(
  transform: (record: ConsumedRecord) => V,
  next: Step<TransformedRecord<V>>,
): Step<ConsumedRecord> {
  return {
    submit(record) {
      let value: V;
      try {
        value = transform(record);
      } catch (error) {
        return next.submit({ record, ok: false, error });
      }
      return next.submit({ record, ok: true, value });
    },
    join: () => next.join(),
  };
}
