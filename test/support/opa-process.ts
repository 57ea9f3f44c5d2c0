// Real OPA binaries as real processes: built (or found cached) by infra/bin/opa-build, run as
// `opa version -c` and `opa run --server` with a config file, their JSON log lines kept.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const OPA_BUILD = fileURLToPath(new URL('../../infra/bin/opa-build', import.meta.url));

/**
 * The path of a real OPA binary of `version`, built with `go install` on first use (minutes cold). Fails
 * with opa-build's own one-line reason (no Go, Go too old, no module proxy).
 */
export function opaBinary(version: string): string {
  try {
    execFileSync('bash', [OPA_BUILD, version], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '');
    // The script's last line is its reason (ANSI colours stripped).
    const reason = stripVTControlCharacters(stderr).trim().split('\n').at(-1);
    throw new Error(`cannot build OPA ${version} for the real-OPA suite: ${reason ?? 'opa-build failed'}`);
  }
  return execFileSync('bash', [OPA_BUILD, '--path', version], { encoding: 'utf8' }).trim();
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `opa version -c`: the version check as a user runs it, with `env` added to a minimal environment. */
export function opaVersionCheck(binary: string, env: Record<string, string>): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      binary,
      ['version', '-c'],
      { env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface OpaLogLine {
  level?: string;
  msg?: string;
  [field: string]: unknown;
}

export interface RunningOpa {
  version: string;
  /** Its REST API, e.g. `http://127.0.0.1:8181`. */
  url: string;
  child: ChildProcess;
  /** Every JSON log line OPA wrote so far. */
  logs: OpaLogLine[];
  /** Resolves with the first log line that `match` accepts; rejects after `timeoutMs`. */
  waitForLog(match: (line: OpaLogLine) => boolean, timeoutMs?: number): Promise<OpaLogLine>;
  stop(): Promise<void>;
}

/** `opa run --server` with `config` (YAML or JSON text) on `port`; logs as JSON at info level. */
export function startOpa(options: {
  binary: string;
  version: string;
  config: string;
  port: number;
  env: Record<string, string>;
}): RunningOpa {
  const dir = mkdtempSync(join(tmpdir(), `opa-${options.version}-`));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, options.config);
  const child = spawn(
    options.binary,
    [
      'run',
      '--server',
      '--addr',
      `127.0.0.1:${options.port}`,
      '--config-file',
      configFile,
      '--log-format',
      'json',
      '--log-level',
      'info',
    ],
    { env: { PATH: process.env.PATH ?? '', HOME: dir, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: OpaLogLine[] = [];
  let partial = '';
  const onData = (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as OpaLogLine);
      } catch {
        logs.push({ msg: line });
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    version: options.version,
    url: `http://127.0.0.1:${options.port}`,
    child,
    logs,
    async waitForLog(match, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs.find(match);
        if (found) return found;
        if (child.exitCode !== null) throw new Error(`OPA ${options.version} exited (${child.exitCode})`);
        if (Date.now() > deadline) {
          throw new Error(
            `OPA ${options.version}: no such log line within ${timeoutMs} ms; last lines: ${JSON.stringify(logs.slice(-5))}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
