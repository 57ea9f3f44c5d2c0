// A local fake of GitHub's releases API on 127.0.0.1 (the real one is an internet service): serves a
// mutable list of releases with an ETag and answers 304 to a matching If-None-Match.
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRelease {
  tag_name: string;
  draft?: boolean;
  prerelease?: boolean;
  html_url?: string;
  published_at?: string | null;
}

export interface FakeReleasesApi {
  readonly url: string;
  releases: FakeRelease[];
  /** Next responses: a status to fail with (e.g. 500), consumed one per request. */
  failures: number[];
  readonly requests: { headers: IncomingHttpHeaders; status: number; path: string }[];
  close(): Promise<void>;
}

export async function startFakeReleasesApi(releases: FakeRelease[]): Promise<FakeReleasesApi> {
  const api: Omit<FakeReleasesApi, 'url' | 'close'> = { releases, failures: [], requests: [] };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const record = (status: number) => api.requests.push({ headers: req.headers, status, path });
    if (!path.startsWith('/repos/open-policy-agent/opa/releases')) {
      record(404);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    const failure = api.failures.shift();
    if (failure !== undefined) {
      record(failure);
      res.writeHead(failure, { 'content-type': 'application/json' }).end('{"message":"fail"}');
      return;
    }
    const body = JSON.stringify(
      // GitHub's real objects carry much more; the advisor must ignore what it does not use.
      api.releases.map((r) => ({ id: 1, assets: [], body: 'notes', name: r.tag_name, ...r })),
    );
    const etag = `W/"${createHash('sha1').update(body).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) {
      record(304);
      res.writeHead(304, { etag }).end();
      return;
    }
    record(200);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', etag }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(api, {
    url: `http://127.0.0.1:${port}/repos/open-policy-agent/opa/releases`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
