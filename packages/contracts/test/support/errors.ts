// Runs `fn` and returns the ContractError's code and path; fails the test on any other outcome.

import { expect } from 'vitest';
import { ContractError } from '../../src/index';

export function contractErrorOf(fn: () => unknown): { code: string; path: string | null } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ContractError);
    const { code, path } = err as ContractError;
    return { code, path };
  }
  throw new Error('expected a ContractError, got a result');
}
