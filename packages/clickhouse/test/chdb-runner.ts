// Runs SQL on a CURRENT ClickHouse release embedded in-process (chDB, from PyPI), through
// packages/clickhouse/scripts/current-clickhouse/run_chdb.py in the venv infra/bin/chdb-env makes.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RUNNER = fileURLToPath(new URL('../scripts/current-clickhouse/run_chdb.py', import.meta.url));

export interface ChdbStep {
  id: string;
  sql: string;
  /** 'JSONEachRow' to get rows back. */
  format?: 'JSONEachRow';
  /** Values of `{name:Type}` query parameters (current ClickHouse's own binding). */
  params?: Record<string, string>;
}

export type ChdbResult =
  | { id: string; ok: true; rows?: Record<string, unknown>[]; output?: string; seconds: number }
  | { id: string; ok: false; error: string; seconds: number };

export interface ChdbRun {
  engine_version: string;
  chdb_version: string;
  results: ChdbResult[];
}

/** The venv's python (creating the venv and installing chDB on first use). */
export async function chdbPython(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [`${REPO_ROOT}infra/bin/chdb-env`], {
    cwd: REPO_ROOT,
    timeout: 600_000,
    maxBuffer: 1 << 20,
  });
  const python = stdout.trim().split('\n').pop();
  if (!python) throw new Error('infra/bin/chdb-env printed no interpreter path');
  return python;
}

/**
 * Runs every step in one fresh chDB session (a temporary database directory). `options` are
 * clickhouse-local start-up options, e.g. [['config-file', path]].
 */
export function runChdb(
  python: string,
  steps: ChdbStep[],
  options: [string, string][] = [],
): Promise<ChdbRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [RUNNER], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        reject(new Error(`run_chdb.py exited with ${code ?? signal}: ${stderr.slice(-2000)}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as ChdbRun);
      } catch {
        reject(new Error(`run_chdb.py printed no JSON: ${stdout.slice(0, 500)} ${stderr.slice(-2000)}`));
      }
    });
    child.stdin.end(JSON.stringify({ config: options, steps }));
  });
}
