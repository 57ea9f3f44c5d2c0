// The page's files: its own (public/) and the charting library's UMD build from node_modules (uPlot,
// served as it is published: no bundler, nothing to build on a fresh clone). Read once at start.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface StaticFile {
  contentType: string;
  body: Buffer;
}

const PUBLIC = (file: string) => fileURLToPath(new URL(`../public/${file}`, import.meta.url));
const resolvePackage = createRequire(import.meta.url).resolve;

const FILES: Record<string, { path: () => string; contentType: string }> = {
  '/': { path: () => PUBLIC('index.html'), contentType: 'text/html; charset=utf-8' },
  '/console.js': { path: () => PUBLIC('console.js'), contentType: 'text/javascript; charset=utf-8' },
  '/console.css': { path: () => PUBLIC('console.css'), contentType: 'text/css; charset=utf-8' },
  '/vendor/uPlot.iife.min.js': {
    path: () => resolvePackage('uplot/dist/uPlot.iife.min.js'),
    contentType: 'text/javascript; charset=utf-8',
  },
  '/vendor/uPlot.min.css': {
    path: () => resolvePackage('uplot/dist/uPlot.min.css'),
    contentType: 'text/css; charset=utf-8',
  },
};

export function loadStaticFiles(): Map<string, StaticFile> {
  return new Map(
    Object.entries(FILES).map(([url, f]) => [
      url,
      { contentType: f.contentType, body: readFileSync(f.path()) },
    ]),
  );
}
