// Loopback-only: the ops server is an HTTP server, so this test binds 127.0.0.1:0.
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type OpsServer, startOpsServer } from '../src/index';

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startOpsServer', () => {
  it('serves /healthz, /readyz from checks, /metrics, and 404 otherwise', async () => {
    let kafkaUp = false;
    server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      registry: createMetrics('loader'),
      readiness: { kafka: () => kafkaUp },
    });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not ready', checks: { kafka: false } });
    kafkaUp = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('nodejs_heap_size_total_bytes');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});
