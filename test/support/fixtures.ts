// The OPA fixtures (report bodies shaped exactly as OPA sends them). The project's source of truth is
// `<repo root>/../shared/fixtures/opa`, which exists beside the repository on the development machines
// but not in a clone made anywhere else (CI may clone into /tmp). So the repository keeps a copy in
// `test/fixtures/opa`, and every test reads that copy through this module; fixtures.test.ts fails when
// the copy drifts from the shared originals wherever those are present.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository's copy of the OPA fixtures: `<repo root>/test/fixtures/opa/`. */
export const fixturesDir: string = fileURLToPath(new URL('../fixtures/opa/', import.meta.url));

/** The shared originals beside the repository, or null where the clone has none beside it. */
export const sharedFixturesDir: string | null = (() => {
  const dir = fileURLToPath(new URL('../../../shared/fixtures/opa/', import.meta.url));
  return existsSync(dir) ? dir : null;
})();

/** The raw text of a fixture, e.g. `readFixtureText('status-full.json')`. */
export function readFixtureText(name: string): string {
  return readFileSync(join(fixturesDir, name), 'utf8');
}

/** A fixture parsed as JSON, e.g. `readFixture('status-full.json')`. */
export function readFixture(name: string): unknown {
  return JSON.parse(readFixtureText(name));
}

/** File names of every JSON fixture, sorted. */
export function fixtureNames(dir: string = fixturesDir): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

/** The corpus of what real OPA binaries sent, written by test/e2e/real-opa.e2e.test.ts. */
export const realOpaCorpusDir: string = fileURLToPath(new URL('../fixtures/opa-real/', import.meta.url));

export interface RealOpaBody {
  /** The OPA release that sent it, e.g. `v1.22.3`. */
  opaVersion: string;
  /** `status-prometheus.json` (with `prometheus: true`), `status.json` (without). */
  name: string;
  text: string;
}

/** Every status body in the real-OPA corpus, by OPA version then name. */
export function realOpaStatusBodies(): RealOpaBody[] {
  return readdirSync(realOpaCorpusDir)
    .sort()
    .flatMap((opaVersion) =>
      ['status-prometheus.json', 'status.json'].map((name) => ({
        opaVersion,
        name,
        text: readFileSync(join(realOpaCorpusDir, opaVersion, name), 'utf8'),
      })),
    );
}
