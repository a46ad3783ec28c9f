// The committed dist/ as the cluster gate sees it: every object file parsed,
// each with its directory and its file name inside it (as synth hands them over).
import * as path from 'path';
import { objectsOf } from '../../lib/gitops/dist-objects';
import type { GateObject } from '../../lib/platform/cluster-gate';
import { readFileSet } from '../../lib/synth';
import { ROOT } from './project';

/** Every committed object, or those of one environment (`dist/<env>/`). */
export function committedGateObjects(env?: string): GateObject[] {
  const files = readFileSet(path.join(ROOT, 'dist'));
  const chosen = env === undefined ? files : new Map([...files].filter(([p]) => p.startsWith(`${env}/`)));
  return [...objectsOf(chosen).values()].map((o) => ({ ...o, file: path.posix.basename(o.file) }));
}
