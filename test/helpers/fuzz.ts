// Reproducible randomness for property and fuzz tests. Every generator is
// seeded: by default with a fixed seed (the property's own, else DEFAULT_SEED),
// so two runs of `npm test` try the same inputs; FUZZ_SEED=<int> replaces every
// seed, to explore other inputs or to replay a failure. A failure's message
// starts with the seed and the command that replays it, e.g.
//   fuzz seed 20261122, replay: FUZZ_SEED=20261122 npx jest test/fast/resolve.test.ts -t '...'
// then fast-check's own report (counterexample, shrink path).
import * as path from 'path';
import * as fc from 'fast-check';

/** The seed of a property that names none of its own. */
export const DEFAULT_SEED = 20260707;

const ROOT = path.resolve(__dirname, '../..');
const INT32 = 2 ** 31;

/** FUZZ_SEED when set, else `fallback`. A value that is not a 32-bit integer is refused with the variable, the value and what is valid. */
export function fuzzSeed(fallback: number = DEFAULT_SEED): number {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw.trim() === '') return fallback;
  const seed = Number(raw);
  if (!Number.isInteger(seed) || seed < -INT32 || seed >= INT32) {
    throw new Error(`FUZZ_SEED: expected an integer from ${-INT32} to ${INT32 - 1}, got ${JSON.stringify(raw)}`);
  }
  return seed;
}

/** "fuzz seed N, replay: FUZZ_SEED=N npx jest <this test file> -t '<this test>'" for the running jest test. */
export function replayHint(seed: number): string {
  const { testPath, currentTestName } = expect.getState();
  const file = testPath ? ` npx jest ${path.relative(ROOT, testPath)}` : '';
  const name = currentTestName ? ` -t '${currentTestName.replace(/'/g, "'\\''")}'` : '';
  return `fuzz seed ${seed}, replay: FUZZ_SEED=${seed}${file}${name}`;
}

/**
 * fast-check parameters for `fc.assert`: `seed` as fuzzSeed() picks it (the
 * given one is the default), and a reporter that fails with the replay hint
 * in front of fast-check's report.
 */
export function fuzz<T>(params: Omit<fc.Parameters<T>, 'reporter' | 'asyncReporter'> = {}): fc.Parameters<T> {
  const seed = fuzzSeed(params.seed);
  return {
    ...params,
    seed,
    reporter: (details) => {
      if (!details.failed) return;
      throw new Error(`${replayHint(seed)}\n${fc.defaultReportMessage(details) ?? ''}`, { cause: details.errorInstance });
    },
  };
}

/**
 * Runs `body` with a seed for a hand-rolled generator (fuzzSeed(`fallback`));
 * whatever it throws, an expect() failure included, is thrown again with the
 * replay hint in front of its message.
 */
export function seeded<R>(fallback: number, body: (seed: number) => R): R {
  const seed = fuzzSeed(fallback);
  try {
    return body(seed);
  } catch (error) {
    if (error instanceof Error) {
      // jest prints the stack, which holds the message as it was when thrown
      const hint = replayHint(seed);
      if (error.stack?.includes(error.message)) error.stack = error.stack.replace(error.message, `${hint}\n${error.message}`);
      error.message = `${hint}\n${error.message}`;
      throw error;
    }
    throw new Error(`${replayHint(seed)}\n${String(error)}`);
  }
}
