// Gives kafkajs the faster CRC-32C of crc32c.ts. kafkajs (2.2.4, its last release) has no option for
// its checksum: its record-batch encoder requires `recordBatch/crc32C` when the first produce request
// is built, so a module placed in Node's require cache under that file's path before then is the one
// it gets. Done once, from createKafkaClient (every producer goes through it). Should kafkajs ever be
// loaded that far before (or the file move in a new kafkajs), nothing breaks: kafkajs keeps its own
// implementation, and `installCrc32c` says so (a test checks the path still resolves and is replaced).
import Module, { createRequire } from 'node:module';
import { crc32c } from './crc32c';

const require = createRequire(import.meta.url);
const KAFKAJS_CRC32C = 'kafkajs/src/protocol/recordBatch/crc32C/index.js';

/** True when kafkajs' record batches use crc32c.ts (installed now or before). */
export function installCrc32c(): boolean {
  let path: string;
  try {
    path = require.resolve(KAFKAJS_CRC32C);
  } catch {
    return false;
  }
  const cached = require.cache[path];
  if (cached) return cached.exports === crc32c;
  const module = new Module(path);
  module.filename = path;
  module.loaded = true;
  module.exports = crc32c;
  require.cache[path] = module;
  return true;
}
