// The work thread's code as one plain-JavaScript ES module, built by esbuild once per process, so a work
// thread runs neither tsx nor a module loader of its own.
//
// Why: a Node 20 worker does not get the main thread's `--import tsx` hooks, so a TypeScript thread had to
// register tsx itself, and both ways cost. tsx's ESM hooks run in a hooks thread of their own, one more
// isolate per work thread (idle RSS with 2 / 4 threads: 208 / 283 MB); its CommonJS require hook makes
// every imported function a getter call (about 5% of a thread's CPU on the real body: `get` frames in
// the profiles). The bundle: 170 / 202 MB, and no getters (README, "Memory").
//
// The bundle is a file in the OS temp directory named by its content's hash: a file rather than a data:
// URL, so CPU profiles name it and its functions keep their names; by content, so gateways of the same code
// share one file and restarts do not pile up copies (written to a unique name, then renamed into place).
import { createHash, randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin, stop } from 'esbuild';

const THREAD_SOURCE = fileURLToPath(new URL('./work-thread.ts', import.meta.url));

/**
 * Each module's `import.meta.url` stays the URL of its own source file (the schema catalog finds
 * schemas/avro/ relative to its own), instead of the bundle's.
 */
const ownImportMetaUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(plugin) {
    plugin.onLoad({ filter: /\.ts$/ }, async (args) => {
      // Every file is read here once (returning nothing would make esbuild read it a second time).
      const source = await readFile(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

let built: Promise<URL> | null = null;

/** The bundle's file URL; built on the first call, the same file afterwards. */
export function workThreadBundle(): Promise<URL> {
  built ??= buildBundle();
  return built;
}

async function buildBundle(): Promise<URL> {
  const result = await build({
    entryPoints: [THREAD_SOURCE],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    plugins: [ownImportMetaUrl],
    // avsc is CommonJS and requires Node's built-ins: an ES module has no `require` of its own.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  // esbuild's service process is not needed after this build.
  await stop();
  const code = result.outputFiles[0]!.contents;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `opa-gateway-work-thread-${hash}.mjs`);
  const partial = `${file}.${randomUUID()}.tmp`;
  writeFileSync(partial, code);
  renameSync(partial, file);
  return pathToFileURL(file);
}
