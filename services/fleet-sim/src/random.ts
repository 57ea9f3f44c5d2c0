// Seeded PRNG (mulberry32): the simulator must be reproducible from --seed, and Math.random is not.
// Six lines do not justify a dependency.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  int(minInclusive: number, maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  /** A UUID v4-shaped id drawn from this generator. */
  uuid(): string;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min));
  const hex = (n: number) => Array.from({ length: n }, () => int(0, 16).toString(16)).join('');
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length)]!,
    chance: (p) => next() < p,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + int(0, 4)).toString(16)}${hex(3)}-${hex(12)}`,
  };
}
