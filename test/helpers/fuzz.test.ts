// The shared seed helper: fixed by default, FUZZ_SEED overrides, and a
// failure names the seed and the command that replays it.
import * as fc from 'fast-check';
import { DEFAULT_SEED, fuzz, fuzzSeed, seeded } from './fuzz';

const saved = process.env.FUZZ_SEED;
afterEach(() => {
  if (saved === undefined) delete process.env.FUZZ_SEED;
  else process.env.FUZZ_SEED = saved;
});

/** The first counterexample fast-check reports for "every integer is below 1000" with `params`, and the error it threw. */
function failure(params: fc.Parameters<[number]>): Error {
  try {
    fc.assert(fc.property(fc.integer(), (n) => n < 1000), params);
  } catch (error) {
    return error as Error;
  }
  throw new Error('the property did not fail');
}

describe('fuzz seeds', () => {
  test('GIVEN no FUZZ_SEED THEN the property\'s own seed is used, else DEFAULT_SEED', () => {
    delete process.env.FUZZ_SEED;
    expect(fuzzSeed(7)).toBe(7);
    expect(fuzzSeed()).toBe(DEFAULT_SEED);
    expect(fuzz({ seed: 7, numRuns: 5 })).toMatchObject({ seed: 7, numRuns: 5 });
    expect(fuzz().seed).toBe(DEFAULT_SEED);
  });

  test('GIVEN FUZZ_SEED THEN it replaces every seed; a value that is not a 32-bit integer is refused, naming it', () => {
    process.env.FUZZ_SEED = '-42';
    expect(fuzzSeed(7)).toBe(-42);
    expect(fuzz({ seed: 7 }).seed).toBe(-42);
    for (const bad of ['abc', '1.5', '4294967296']) {
      process.env.FUZZ_SEED = bad;
      expect(() => fuzzSeed(7)).toThrow(`FUZZ_SEED: expected an integer from -2147483648 to 2147483647, got "${bad}"`);
    }
  });

  test('GIVEN a failing property WHEN run with fuzz() THEN the message names the seed and the replay command, and that seed finds the same counterexample', () => {
    delete process.env.FUZZ_SEED;
    const first = failure(fuzz({ seed: 99 }));
    expect(first.message).toMatch(/^fuzz seed 99, replay: FUZZ_SEED=99 npx jest test\/helpers\/fuzz\.test\.ts -t '.*a failing property/);
    expect(first.message).toMatch(/Counterexample: \[\d+\]/);
    process.env.FUZZ_SEED = '99';
    const replay = failure(fuzz({ seed: 12345 }));
    expect(replay.message).toBe(first.message);
  });

  test('GIVEN a passing property WHEN run with fuzz() THEN nothing is thrown', () => {
    expect(() => fc.assert(fc.property(fc.integer(), (n) => Number.isInteger(n)), fuzz({ numRuns: 50 }))).not.toThrow();
  });

  test('GIVEN a hand-rolled generator WHEN its body fails under seeded() THEN the failure carries the seed and the replay hint', () => {
    delete process.env.FUZZ_SEED;
    expect(seeded(5, (seed) => seed * 2)).toBe(10);
    let thrown: Error | undefined;
    try {
      seeded(5, () => expect(1).toBe(2));
    } catch (error) {
      thrown = error as Error;
    }
    expect(thrown?.message).toMatch(/^fuzz seed 5, replay: FUZZ_SEED=5 npx jest test\/helpers\/fuzz\.test\.ts -t /);
    expect(thrown?.message).toContain('Expected: 2');
    expect(thrown?.stack).toContain('fuzz seed 5, replay');
  });
});
