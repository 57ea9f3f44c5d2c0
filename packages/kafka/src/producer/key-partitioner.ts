// kafkajs's default partitioner with the last keyed answer remembered. A decision-log chunk is hundreds of
// records with one key (the OPA instance), and the default partitioner hashes each key again (murmur2)
// and filters the partition list per record: about 4% of the gateway's CPU under decision-log load. A
// keyed record's partition depends only on its key and the topic's partition count, so the remembered
// answer is exactly the default partitioner's; everything else goes to the default partitioner itself.
import { type ICustomPartitioner, Partitioners } from 'kafkajs';

export const rememberingKeyPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  let lastKey: string | null = null;
  let lastCount = -1;
  let lastPartition = 0;
  return (args) => {
    const { message, partitionMetadata } = args;
    const keyed =
      (message.partition === null || message.partition === undefined) && typeof message.key === 'string';
    if (keyed && message.key === lastKey && partitionMetadata.length === lastCount) return lastPartition;
    const partition = partitioner(args);
    if (keyed) {
      lastKey = message.key as string;
      lastCount = partitionMetadata.length;
      lastPartition = partition;
    }
    return partition;
  };
};
