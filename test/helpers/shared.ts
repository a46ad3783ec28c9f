// Where the upstream documents the schema cross-checks read live: the
// Kubernetes 1.27 definitions and the pinned CRDs of ../shared. One variable
// (SHARED_DIR) and one default (the folder beside the project) for every test.
// In CI (CI=true) a missing folder fails the run with this message instead of
// skipping the checks; elsewhere those checks are skipped with a warning.
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

export const SHARED_DIR = path.resolve(ROOT, process.env.SHARED_DIR ?? path.join('..', 'shared'));

export const K8S_DEFINITIONS = path.join(SHARED_DIR, 'k8s-schema', 'v1.27.0-definitions.json');
export const CRD_DIR = path.join(SHARED_DIR, 'crds');

export const HAS_SHARED = fs.existsSync(K8S_DEFINITIONS) && fs.existsSync(CRD_DIR);

export const MISSING_SHARED_MESSAGE =
  `${K8S_DEFINITIONS} or ${CRD_DIR} not found: the schema cross-checks need the upstream Kubernetes 1.27 definitions and CRDs; ` +
  'put the shared folder beside the project or set SHARED_DIR to it';

/** True when the checks that need SHARED_DIR must fail rather than skip. */
export const inCi = (): boolean => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/** `describe` when SHARED_DIR is there; otherwise a skip with a warning (outside CI) or one failing test naming the folder (CI). */
export function describeShared(name: string, body: () => void): void {
  if (HAS_SHARED) describe(name, body);
  else if (inCi()) describe(name, () => test('needs SHARED_DIR', () => { throw new Error(MISSING_SHARED_MESSAGE); }));
  else describe.skip(name, body);
}

/** Throws the message above when SHARED_DIR is missing (for helpers that read it directly). */
export function requireShared(): void {
  if (!HAS_SHARED) throw new Error(MISSING_SHARED_MESSAGE);
}

/** `test` when SHARED_DIR is there; otherwise as describeShared decides. */
export function testShared(name: string, body: () => void): void {
  if (HAS_SHARED) test(name, body);
  else if (inCi()) test(name, () => { throw new Error(MISSING_SHARED_MESSAGE); });
  else test.skip(name, body);
}
