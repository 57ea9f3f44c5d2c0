// The shared OPA fixtures live beside the repository (`<repo root>/../shared/fixtures/opa`), also in a fresh
// CI clone. Every test reads them through this module so the location is defined once.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the OPA fixtures directory: `<repo root>/../shared/fixtures/opa/`. */
export const fixturesDir: string = fileURLToPath(new URL('../../../shared/fixtures/opa/', import.meta.url));

/** The raw text of a fixture, e.g. `readFixtureText('status-full.json')`. */
export function readFixtureText(name: string): string {
  return readFileSync(join(fixturesDir, name), 'utf8');
}

/** A fixture parsed as JSON, e.g. `readFixture('status-full.json')`. */
export function readFixture(name: string): unknown {
  return JSON.parse(readFixtureText(name));
}

/** File names of every JSON fixture, sorted. */
export function fixtureNames(): string[] {
  return readdirSync(fixturesDir)
    .filter((name) => name.endsWith('.json'))
    .sort();
}
