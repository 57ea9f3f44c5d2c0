// A stand-in for the bundle service a fleet's OPAs download policy from (a local fake of an external
// service, loopback only): serves bundles built here as OPA expects them, tar.gz archives with a
// `.manifest`, made with the system's `tar`. The real-OPA suite uses a good bundle, one whose policy
// does not compile (OPA reports the activation error in its status), and a discovery bundle.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A bundle: its resource path (e.g. `/bundles/good.tar.gz`) and files by relative path. */
export interface BundleSpec {
  resource: string;
  files: Record<string, string>;
}

export class BundleServer {
  private readonly archives = new Map<string, Buffer>();
  private server: Server | null = null;
  /** Requests per resource, for asserting that OPA polled. */
  readonly requests = new Map<string, number>();

  constructor(bundles: BundleSpec[]) {
    const work = mkdtempSync(join(tmpdir(), 'opa-bundles-'));
    try {
      for (const [i, bundle] of bundles.entries()) {
        const dir = join(work, String(i));
        for (const [path, content] of Object.entries(bundle.files)) {
          mkdirSync(dirname(join(dir, path)), { recursive: true });
          writeFileSync(join(dir, path), content);
        }
        const archive = join(work, `${i}.tar.gz`);
        execFileSync('tar', ['-czf', archive, '-C', dir, '.']);
        this.archives.set(bundle.resource, readFileSync(archive));
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://bundles').pathname;
      this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
      const archive = this.archives.get(path);
      if (req.method !== 'GET' || archive === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': archive.length });
      res.end(archive);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
