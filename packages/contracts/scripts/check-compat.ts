// CI check: every kept schema version in schemas/avro reads the previous version's records and vice versa,
// and a record embedded from another subject (DecisionBatch's DecisionEvent) is exactly a kept version of it.
// Usage: npx tsx packages/contracts/scripts/check-compat.ts [schemas dir]

import {
  checkEmbeddedRecords,
  checkSchemaCompatibility,
  loadSchemaVersions,
  SCHEMAS_DIR,
} from '../src/index';

const dir = process.argv[2] ?? SCHEMAS_DIR;
const subjects = loadSchemaVersions(dir);
const problems = checkSchemaCompatibility(subjects);
for (const [subject, versions] of subjects) {
  console.log(`${subject}: versions ${versions.map((v) => v.version).join(', ')}`);
}
for (const p of problems) {
  console.error(
    `INCOMPATIBLE ${p.subject}: v${p.reader} cannot read records written with v${p.writer}: ${p.message}`,
  );
}
const embedding = checkEmbeddedRecords(subjects);
for (const p of embedding) console.error(`EMBEDDED ${p.subject} v${p.version}: ${p.message}`);
if (problems.length > 0 || embedding.length > 0) process.exit(1);
console.log('all schema versions are backward and forward compatible with their predecessor');
console.log('every embedded record is a kept version of its own subject (the newest in the newest)');
