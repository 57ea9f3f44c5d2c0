import { describe, expect, it } from 'vitest';
import { checkReadiness, createShutdown } from '../src/index';

describe('createShutdown', () => {
  it('runs closers in reverse order, once, then exits 0', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const s = createShutdown({ exit: (c) => exits.push(c) });
    s.onShutdown('kafka', () => {
      order.push('kafka');
    });
    s.onShutdown('http', async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push('http');
    });
    const [a, b] = await Promise.all([s.shutdown('test'), s.shutdown('again')]);
    expect(order).toEqual(['http', 'kafka']);
    expect([a, b]).toEqual([0, 0]);
    expect(exits).toEqual([0]);
    expect(s.shuttingDown).toBe(true);
  });

  it('keeps closing after a failing closer and exits 1', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const s = createShutdown({ exit: (c) => exits.push(c) });
    s.onShutdown('a', () => order.push('a'));
    s.onShutdown('b', () => {
      throw new Error('boom');
    });
    expect(await s.shutdown('test')).toBe(1);
    expect(order).toEqual(['a']);
    expect(exits).toEqual([1]);
  });

  it('gives up after the timeout', async () => {
    const exits: number[] = [];
    const s = createShutdown({ exit: (c) => exits.push(c), timeoutMs: 30 });
    s.onShutdown('stuck', () => new Promise(() => {}));
    const started = Date.now();
    expect(await s.shutdown('test')).toBe(1);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(exits).toEqual([1]);
  });

  it('shuts down on a signal', async () => {
    const exits: number[] = [];
    const s = createShutdown({ exit: (c) => exits.push(c), signals: ['SIGUSR2'] });
    let closed = false;
    s.onShutdown('x', () => {
      closed = true;
    });
    const remove = s.installSignalHandlers();
    process.kill(process.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 50));
    remove();
    expect(closed).toBe(true);
    expect(exits).toEqual([0]);
  });
});

describe('checkReadiness', () => {
  it('is ready only when every check passes; throwing or slow checks fail', async () => {
    const result = await checkReadiness(
      {
        ok: () => true,
        asyncOk: async () => true,
        throws: () => {
          throw new Error('x');
        },
        slow: () => new Promise<boolean>((r) => setTimeout(() => r(true), 500)),
      },
      50,
    );
    expect(result).toEqual({ ready: false, checks: { ok: true, asyncOk: true, throws: false, slow: false } });
    expect((await checkReadiness({ a: () => true })).ready).toBe(true);
  });
});
