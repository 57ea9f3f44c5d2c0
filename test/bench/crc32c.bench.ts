// The record-batch checksum: packages/kafka/src/crc32c.ts (slicing-by-8) against kafkajs' own byte-at-a-time
// CRC-32C, on the sizes the gateway produces: a 12 KB status record (real OPA v1.22.3 with Prometheus
// metrics), a 270 KB decision batch (one 32 KB upload). Alternating rounds; MB/s and the ratio per size.
// Run: npx tsx test/bench/crc32c.bench.ts [--rounds 7] [--ms 300]
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { crc32c } from '../../packages/kafka/src/crc32c';
import { median } from './server-load';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '7' }, ms: { type: 'string', default: '300' } },
});
const rounds = Number(values.rounds);
const roundMs = Number(values.ms);
const require = createRequire(import.meta.url);
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;

/** MB/s of `fn` over `bytes` for one round. */
function rate(fn: (b: Buffer) => number, bytes: Buffer): number {
  let n = 0;
  let sink = 0;
  const started = performance.now();
  while (performance.now() - started < roundMs) {
    sink ^= fn(bytes);
    n++;
  }
  if (sink === 0.5) console.log(sink); // keeps the result alive
  return (n * bytes.length) / ((performance.now() - started) / 1000) / 1e6;
}

console.log(`CRC-32C, ${rounds} alternating rounds of ${roundMs} ms (median MB/s)`);
for (const [name, size] of [
  ['status record, 12 KB', 12 * 1024],
  ['decision batch, 270 KB', 270 * 1024],
] as const) {
  const bytes = randomBytes(size);
  if (crc32c(bytes) !== kafkajsCrc32c(bytes)) throw new Error('the two implementations disagree');
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    theirs.push(rate(kafkajsCrc32c, bytes));
    ours.push(rate(crc32c, bytes));
  }
  const ratio = median(ours.map((o, i) => o / theirs[i]!));
  console.log(
    `  ${name}: kafkajs ${median(theirs).toFixed(0)} MB/s, crc32c.ts ${median(ours).toFixed(0)} MB/s: ` +
      `${ratio.toFixed(1)}x (${(1000 / median(theirs)).toFixed(2)} -> ${(1000 / median(ours)).toFixed(2)} ms per MB)`,
  );
}
