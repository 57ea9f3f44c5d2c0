// The GitHub-style release endpoints (the version check of OPA 1.7 and later) through inject(): the
// reply OPA reads, the served repositories, entity tags and 304, the answer while no release is known,
// and the anonymous version-check record each check produces. Kafka is an in-memory stand-in here.
import { versionCheckCodec } from '@opa-fleet/contracts';
import { describe, expect, it } from 'vitest';
import { buildTestApp, RELEASE, unavailable } from './gateway-harness';

const LATEST = '/repos/open-policy-agent/opa/releases/latest';
const LIST = '/repos/open-policy-agent/opa/releases';
const OPA_CHECKER = { 'user-agent': 'OPA-Version-Checker' };

type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

function checksSent(t: TestApp) {
  return t.producer.sent.map((m) => ({ topic: m.topic, check: versionCheckCodec.decode(m.value) }));
}

describe('GET /repos/{owner}/{repo}/releases/latest', () => {
  it("answers in GitHub's shape with what OPA reads: tag_name and html_url", async () => {
    const t = await buildTestApp();
    const r = await t.app.inject({
      method: 'GET',
      url: LATEST,
      headers: { ...OPA_CHECKER, host: 'gw:8080' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const body = r.json();
    expect(body).toMatchObject({
      tag_name: 'v0.19.2',
      name: 'v0.19.2',
      html_url: RELEASE.release_notes,
      draft: false,
      prerelease: false,
      published_at: null,
    });
    expect(body.assets_url).toMatch(
      /^http:\/\/gw:8080\/repos\/open-policy-agent\/opa\/releases\/\d+\/assets$/,
    );
    expect(body.assets.map((a: { browser_download_url: string }) => a.browser_download_url)).toContain(
      'https://openpolicyagent.org/downloads/v0.19.2/opa_linux_arm64_static',
    );
  });

  it('records the check anonymously on the version-checks topic, once Kafka has it', async () => {
    const t = await buildTestApp();
    await t.app.inject({ method: 'GET', url: LATEST, headers: OPA_CHECKER, remoteAddress: '203.0.113.9' });
    const sent = checksSent(t);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.topic).toBe('opa.version-checks');
    expect(sent[0]!.check).toMatchObject({
      gateway_id: 'gw-test',
      repository: 'open-policy-agent/opa',
      endpoint: 'latest',
      user_agent: 'OPA-Version-Checker',
      answered_tag: 'v0.19.2',
      not_modified: false,
    });
    expect(JSON.stringify(sent[0]!.check)).not.toContain('203.0.113.9');
    expect(await t.metric('gateway_reports_accepted_total', { kind: 'version_check' })).toBe(1);
  });

  it('gives an ETag and Cache-Control; If-None-Match with it gives 304 (and is still counted)', async () => {
    const t = await buildTestApp();
    const first = await t.app.inject({ method: 'GET', url: LATEST });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect(first.headers['cache-control']).toBe('no-cache');
    const again = await t.app.inject({ method: 'GET', url: LATEST, headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    const other = await t.app.inject({ method: 'GET', url: LATEST, headers: { 'if-none-match': '"stale"' } });
    expect(other.statusCode).toBe(200);
    expect(checksSent(t).map((s) => s.check.not_modified)).toEqual([false, true, false]);
  });

  it('matches owner and repo case-insensitively, as GitHub does', async () => {
    const t = await buildTestApp();
    const r = await t.app.inject({ method: 'GET', url: '/repos/Open-Policy-Agent/OPA/releases/latest' });
    expect(r.statusCode).toBe(200);
  });

  it("answers other repositories with GitHub's 404 JSON and records nothing", async () => {
    const t = await buildTestApp();
    for (const url of [
      '/repos/acme/other/releases/latest',
      '/repos/open-policy-agent/opa/releases/tags/v1',
    ]) {
      const r = await t.app.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(404);
      expect(r.json()).toEqual({
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
        status: '404',
      });
    }
    expect(t.producer.sent).toHaveLength(0);
  });

  it('serves the configured repositories only (RELEASE_REPOSITORIES)', async () => {
    const t = await buildTestApp({ RELEASE_REPOSITORIES: 'acme/opa-fork' });
    expect(
      (await t.app.inject({ method: 'GET', url: '/repos/acme/opa-fork/releases/latest' })).statusCode,
    ).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: LATEST })).statusCode).toBe(404);
  });

  it('links its API URLs under PUBLIC_URL when set', async () => {
    const t = await buildTestApp({ PUBLIC_URL: 'https://opa-fleet.example.com/' });
    const body = (await t.app.inject({ method: 'GET', url: LATEST })).json();
    expect(body.url).toMatch(
      /^https:\/\/opa-fleet\.example\.com\/repos\/open-policy-agent\/opa\/releases\/\d+$/,
    );
  });

  it('with no release known yet: 503 with Retry-After (OPA logs the failed check and asks again later)', async () => {
    const t = await buildTestApp({}, null);
    const r = await t.app.inject({ method: 'GET', url: LATEST, headers: OPA_CHECKER });
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
    expect(r.json()).toMatchObject({ code: 'RELEASE_UNKNOWN' });
    expect(checksSent(t).map((s) => s.check.answered_tag)).toEqual([null]);
  });

  it('with Kafka unavailable: 503 with Retry-After, nothing answered as if counted', async () => {
    const t = await buildTestApp();
    t.producer.failWith = unavailable();
    const r = await t.app.inject({ method: 'GET', url: LATEST });
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
  });

  it('answers other methods with 405 and Allow: GET, HEAD', async () => {
    const t = await buildTestApp();
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'] as const) {
      const r = await t.app.inject({ method, url: LATEST });
      expect(r.statusCode, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
  });

  it('answers HEAD like GET, without a body', async () => {
    const t = await buildTestApp();
    const r = await t.app.inject({ method: 'HEAD', url: LATEST });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('');
    expect(r.headers.etag).toMatch(/^"/);
  });
});

describe('GET /repos/{owner}/{repo}/releases', () => {
  it('lists the known release on the first page, nothing on later pages', async () => {
    const t = await buildTestApp();
    const first = await t.app.inject({ method: 'GET', url: `${LIST}?per_page=30` });
    expect(first.statusCode).toBe(200);
    expect(first.json().map((r: { tag_name: string }) => r.tag_name)).toEqual(['v0.19.2']);
    expect((await t.app.inject({ method: 'GET', url: `${LIST}?page=2` })).json()).toEqual([]);
    expect(checksSent(t).map((s) => s.check.endpoint)).toEqual(['list', 'list']);
  });

  it('is an empty list while no release is known (as GitHub answers for a repository without one)', async () => {
    const t = await buildTestApp({}, null);
    const r = await t.app.inject({ method: 'GET', url: LIST });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual([]);
  });

  it('refuses a page or per_page that is not a positive integer: 400 INVALID_QUERY', async () => {
    const t = await buildTestApp();
    for (const query of ['page=0', 'page=x', 'per_page=-1']) {
      const r = await t.app.inject({ method: 'GET', url: `${LIST}?${query}` });
      expect(r.statusCode, query).toBe(400);
      expect(r.json()).toMatchObject({ code: 'INVALID_QUERY' });
    }
    expect(t.producer.sent).toHaveLength(0);
  });
});
