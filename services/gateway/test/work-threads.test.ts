// The work threads (work-threads.ts) against the same work done inline (report-work.ts): the same record
// bytes, the same errors with their class, code and path (so the same HTTP answers), bodies moved not
// shared, a dead thread replaced. Real worker threads; Kafka is the harness's stand-in.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ContractError } from '@opa-fleet/contracts';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { realOpaStatusBodies } from '../../../test/support/fixtures';
import { GatewayError } from '../src/errors';
import { toHttpError } from '../src/http-errors';
import {
  bySize,
  createReportWork,
  type ReportJob,
  type ReportWorker,
  type ReportWorkSettings,
  reportWorkInTurns,
} from '../src/report-work';
import { workThreadBundle } from '../src/work-thread-bundle';
import { createWorkThreads } from '../src/work-threads';
import { buildTestApp } from './gateway-harness';

const settings: ReportWorkSettings = {
  statusSchemaVersion: 4,
  decisionDropFields: [],
  logsRecordMaxBytes: 1_000_000,
};
const silent = pino({ level: 'silent' });
const context = {
  eventId: '7f1c2b8e-4d5a-4b6c-9e0f-1a2b3c4d5e6f',
  receivedAt: 1_780_000_000_000_000,
  gatewayId: 'gw-test',
  userAgent: 'Open Policy Agent/v1.22.3 (linux, amd64)',
  partition: null,
};
const realBody = realOpaStatusBodies().find(
  (b) => b.opaVersion === 'v1.22.3' && b.name === 'status-prometheus.json',
)!.text;

const pools: ReportWorker[] = [];
function threads(count = 2, entry?: URL | Promise<URL>): ReportWorker {
  const pool = createWorkThreads({ threads: count, settings, logger: silent, entry });
  pools.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** The inline work's outcome: its result, or what the error handler makes of its error. */
function inline(job: ReportJob) {
  try {
    return { ok: createReportWork(settings)(job) };
  } catch (err) {
    return { error: err };
  }
}

describe('work threads', () => {
  it('write a real OPA status update to the same record bytes as the inline work', async () => {
    const pool = threads();
    const job = { kind: 'status', body: Buffer.from(realBody), context } as const;
    const expected = inline({ ...job, body: Buffer.from(realBody) }).ok as { id: string; record: Buffer };
    const result = await pool.run(job);
    expect(result.id).toBe(expected.id);
    expect(Buffer.isBuffer(result.record)).toBe(true);
    expect(result.record.equals(expected.record)).toBe(true);
  });

  it('send a contract error back as a ContractError with its code, detail and path', async () => {
    const pool = threads();
    const text = JSON.stringify({ labels: { id: 'i-1', version: 'v1' }, bundles: { b: { http_code: 'x' } } });
    const expected = inline({ kind: 'status', body: Buffer.from(text), context }).error as ContractError;
    expect(expected).toBeInstanceOf(ContractError);
    const err = await pool.run({ kind: 'status', body: Buffer.from(text), context }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractError);
    expect(err).toMatchObject({ code: expected.code, detail: expected.detail, path: expected.path });
    expect(toHttpError(err, 1)).toEqual(toHttpError(expected, 1));
    expect(toHttpError(err, 1).statusCode).toBe(400);
  });

  it('send a malformed body back as the GatewayError the error handler answers 400', async () => {
    const pool = threads();
    const err = await pool.run({ kind: 'status', body: Buffer.from('{"labels":'), context }).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: 'MALFORMED_JSON' });
    expect(toHttpError(err, 1).statusCode).toBe(400);
  });

  it('return a decision chunk: batches as Buffers, each invalid event with its ContractError', async () => {
    const pool = threads();
    const events = [
      { labels: { id: 'a', version: '1.22.3' }, decision_id: 'd1', timestamp: '2026-11-24T15:59:08Z' },
      { labels: { id: 'a', version: '1.22.3' }, decision_id: 42, timestamp: '2026-11-24T15:59:08Z' },
    ];
    const text = JSON.stringify(events);
    const decisionContext = {
      receivedAt: context.receivedAt,
      gatewayId: 'gw',
      userAgent: undefined,
      partition: null,
    };
    const chunk = await pool.run({ kind: 'decisions', body: Buffer.from(text), context: decisionContext });
    expect(chunk.accepted).toBe(1);
    expect(chunk.batches).toHaveLength(1);
    expect(Buffer.isBuffer(chunk.batches[0]!.value)).toBe(true);
    expect(chunk.batches[0]!.key).toBe('a');
    expect(chunk.rejected).toHaveLength(1);
    expect(chunk.rejected[0]!.error).toBeInstanceOf(ContractError);
    expect(chunk.rejected[0]!.error.path).toContain('decision_id');
    expect(chunk.rejected[0]!.event).toEqual(events[1]);
  });

  it('move a body that owns its memory, and copy one that shares a pool', async () => {
    const pool = threads(1);
    const own = Buffer.from(realBody); // > 4 KB: its own ArrayBuffer
    await pool.run({ kind: 'status', body: own, context });
    expect(own.byteLength).toBe(0); // moved: nothing was copied
    const small = JSON.stringify({ labels: { id: 'i-2', version: 'v1' } });
    const pooled = Buffer.from(small); // < 4 KB: a slice of Node's shared pool
    const neighbour = Buffer.from('still here'); // likely from the same pool
    const result = await pool.run({ kind: 'status', body: pooled, context });
    expect(result.id).toBe('i-2');
    expect(pooled.toString()).toBe(small);
    expect(neighbour.toString()).toBe('still here');
  });

  it('are ready once their modules are loaded, and refuse work once closed', async () => {
    const pool = threads(2);
    expect(pool.ready()).toBe(false);
    await pool.run({ kind: 'status', body: Buffer.from(realBody), context });
    await expect.poll(() => pool.ready()).toBe(true);
    await pool.close();
    await expect(pool.run({ kind: 'status', body: Buffer.from(realBody), context })).rejects.toThrow(
      /closed/,
    );
  });

  it('fail the jobs of a thread that dies, and go on with a new one', async () => {
    const pool = threads(1, new URL('./support/dying-thread.mjs', import.meta.url));
    const body = (text: string) => Buffer.from(text);
    expect((await pool.run({ kind: 'status', body: body('ok'), context })).id).toBe('x');
    const dying = pool.run({ kind: 'status', body: body('die'), context });
    const behind = pool.run({ kind: 'status', body: body('ok'), context });
    await expect(dying).rejects.toThrow(/exited \(code 3\)/);
    await expect(behind).rejects.toThrow(/exited \(code 3\)/);
    await expect.poll(() => pool.ready(), { timeout: 5000 }).toBe(true);
    expect((await pool.run({ kind: 'status', body: body('ok'), context })).id).toBe('x');
  });

  it('run one bundle of plain JavaScript, named by its content and built once per process', async () => {
    const first = await workThreadBundle();
    expect(await workThreadBundle()).toBe(first);
    expect(first.pathname).toMatch(/\/opa-gateway-work-thread-[0-9a-f]{16}\.mjs$/);
    const code = readFileSync(first, 'utf8');
    // Each module kept its own import.meta.url: the schema catalog's points at its source file.
    const catalog = new URL('../../../packages/contracts/src/schema-catalog.ts', import.meta.url);
    expect(code).toContain(JSON.stringify(catalog.href));
    expect(code).not.toMatch(/from ['"]tsx|@opa-fleet\//);
  });

  it('fail every job, with the reason, when the thread code cannot be built', async () => {
    const pool = threads(2, Promise.reject(new Error('esbuild: Could not resolve "avsc"')));
    await expect(pool.run({ kind: 'status', body: Buffer.from(realBody), context })).rejects.toThrow(
      'work threads cannot start: esbuild: Could not resolve "avsc"',
    );
    expect(pool.ready()).toBe(false);
  });

  it('count the jobs waiting behind the running ones', async () => {
    const pool = threads(1);
    await pool.run({ kind: 'status', body: Buffer.from(realBody), context }); // started
    const jobs = Array.from({ length: 5 }, () =>
      pool.run({ kind: 'status', body: Buffer.from(realBody), context }),
    );
    expect(pool.queued()).toBe(4);
    await Promise.all(jobs);
    expect(pool.queued()).toBe(0);
  });
});

describe('bySize', () => {
  it('works a body under the threshold on the loop and a larger one in a thread', async () => {
    const pool = threads(1);
    const both = bySize(reportWorkInTurns(settings, 2), pool, 8192);
    const small = JSON.stringify({ labels: { id: 'i-3', version: 'v1' } });
    const smallBody = Buffer.from(small);
    const largeBody = Buffer.from(realBody);
    expect((await both.run({ kind: 'status', body: smallBody, context })).id).toBe('i-3');
    await both.run({ kind: 'status', body: largeBody, context });
    expect(smallBody.byteLength).toBe(small.length); // stayed here
    expect(largeBody.byteLength).toBe(0); // moved to the thread
  });
});

describe('the gateway with work threads (WORK_THREADS=1)', () => {
  it('answers what real OPA sends, a contract error and a decision upload as without them', async () => {
    const answers = async (workThreads: string) => {
      const t = await buildTestApp({ WORK_THREADS: workThreads, WORK_THREAD_MIN_BYTES: '0' });
      try {
        const post = (url: string, payload: Buffer | string, headers: Record<string, string> = {}) =>
          t.app.inject({
            method: 'POST',
            url,
            payload,
            headers: { 'content-type': 'application/json', ...headers },
          });
        const ok = await post('/status', realBody);
        const bad = await post('/status', JSON.stringify({ labels: { id: 'i', version: 'v' }, plugins: 7 }));
        const logs = await post(
          '/logs',
          gzipSync(JSON.stringify([{ labels: { id: 'a', version: '1' }, decision_id: 'd', timestamp: 'x' }])),
          { 'content-encoding': 'gzip' },
        );
        const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
        return {
          ok: ok.statusCode,
          produced: t.producer.sent.length,
          bad: [bad.statusCode, bad.json()],
          logs: [logs.statusCode, logs.json()],
          work: ready.json().checks.work,
        };
      } finally {
        await t.app.close();
      }
    };
    const withThreads = await answers('1');
    expect(withThreads).toEqual(await answers('0'));
    expect(withThreads.ok).toBe(200);
    expect(withThreads.bad[0]).toBe(400);
  });
});
