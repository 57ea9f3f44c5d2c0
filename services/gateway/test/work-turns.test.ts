// Work in event-loop turns: order of arrival, the budget per turn (a started task finishes, the rest waits
// for the next turn), results and errors, the queue count, and budget 0 running the work at once.
import { describe, expect, it } from 'vitest';
import { createWorkTurns } from '../src/work-turns';

/** Turns run only when the test says so; each task costs `costMs` on a fake clock. */
function manual(budgetMs: number, costMs = 4) {
  let t = 0;
  const pending: (() => void)[] = [];
  const turns = createWorkTurns({ budgetMs, now: () => t, schedule: (turn) => pending.push(turn) });
  const ran: number[] = [];
  const task = (n: number) => () => {
    t += costMs;
    ran.push(n);
    return n * 10;
  };
  return {
    turns,
    ran,
    task,
    /** Runs the one scheduled turn; false when none was scheduled. */
    turn(): boolean {
      const next = pending.shift();
      next?.();
      return next !== undefined;
    },
    scheduledTurns: () => pending.length,
  };
}

describe('work turns', () => {
  it('runs tasks in order of arrival, as many as fit in the budget per turn', async () => {
    const w = manual(10, 4);
    const results = [1, 2, 3, 4, 5, 6].map((n) => w.turns.run(w.task(n)));
    expect(w.ran).toEqual([]); // nothing inline
    expect(w.turns.queued()).toBe(6);
    expect(w.scheduledTurns()).toBe(1); // one turn asked for, however many tasks
    w.turn();
    // 0 -> 4 -> 8 ms started; the third started under the budget and finished at 12 ms.
    expect(w.ran).toEqual([1, 2, 3]);
    expect(w.turns.queued()).toBe(3);
    expect(w.scheduledTurns()).toBe(1); // the rest in the next turn
    w.turn();
    expect(w.ran).toEqual([1, 2, 3, 4, 5, 6]);
    expect(w.turns.queued()).toBe(0);
    expect(w.scheduledTurns()).toBe(0);
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('always runs at least one task per turn, however long it takes', () => {
    const w = manual(1, 50);
    void w.turns.run(w.task(1));
    void w.turns.run(w.task(2));
    w.turn();
    expect(w.ran).toEqual([1]);
    w.turn();
    expect(w.ran).toEqual([1, 2]);
  });

  it("rejects a task's promise with its error and goes on with the next", async () => {
    const w = manual(10, 1);
    const failing = w.turns.run(() => {
      throw new Error('malformed');
    });
    const next = w.turns.run(w.task(7));
    w.turn();
    await expect(failing).rejects.toThrow('malformed');
    expect(await next).toBe(70);
  });

  it('asks for a new turn when work arrives after the queue ran dry', async () => {
    const w = manual(10, 1);
    void w.turns.run(w.task(1));
    w.turn();
    expect(w.scheduledTurns()).toBe(0);
    const later = w.turns.run(w.task(2));
    expect(w.scheduledTurns()).toBe(1);
    w.turn();
    expect(await later).toBe(20);
  });

  it('with budget 0 runs each task at once', async () => {
    const w = manual(0, 1);
    const result = w.turns.run(w.task(3));
    expect(w.ran).toEqual([3]);
    expect(w.scheduledTurns()).toBe(0);
    expect(await result).toBe(30);
    await expect(
      w.turns.run(() => {
        throw new Error('bad');
      }),
    ).rejects.toThrow('bad');
  });

  it('lets the event loop poll between turns (setImmediate by default)', async () => {
    const turns = createWorkTurns({ budgetMs: 5 });
    const order: string[] = [];
    // Each task spins 3 ms: two fit in one 5 ms turn (the second starts at 3 ms), then a turn ends.
    const spin = (name: string) => () => {
      const until = performance.now() + 3;
      while (performance.now() < until);
      order.push(name);
    };
    const done = Promise.all(['a', 'b', 'c', 'd'].map((n) => turns.run(spin(n))));
    // A timer due now runs before the last turn (the work did not hold the loop until it was all done).
    setTimeout(() => order.push('timer'), 0);
    await done;
    expect(order).toHaveLength(5);
    expect(order.indexOf('timer')).toBeLessThan(order.length - 1);
  });
});
