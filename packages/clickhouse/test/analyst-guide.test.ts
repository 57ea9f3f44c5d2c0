import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadAnalystQueries } from '../src';

const readme = readFileSync(
  fileURLToPath(new URL('../../../schemas/clickhouse/README.md', import.meta.url)),
  'utf8',
);

describe('schemas/clickhouse/README.md', () => {
  it.each([...loadAnalystQueries()])('shows %s exactly as the tested query file', (name, sql) => {
    expect(readme).toContain(`(queries/${name}.sql)`);
    expect(readme).toContain(`\`\`\`sql\n${sql.trimEnd()}\n\`\`\``);
  });
});
