/**
 * Benchmark of the validation gate (issue 3).
 *
 *   npx esbuild bench/validate.ts --bundle --platform=node --target=node20 --packages=external --outfile=build/bench/validate.js --log-level=warning && node build/bench/validate.js [NAMESPACES]
 *
 * Validates the test fixture set repeated over NAMESPACES namespaces (default
 * 56, about 1000 objects): in memory (what synth calls) and from YAML files on
 * disk (what `npm run validate` does). Prints medians of 5 runs after a
 * warm-up; the schema catalog is loaded once, from build/validate-schema.txt.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadSchemaCatalog, validateDirectory, validateManifests } from '../lib/validate';
import { scaledObjects, toDocs, writeDist } from '../test/validate/fixtures';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall and CPU milliseconds (CPU is steadier when other processes share the cores). */
function time(fn: () => void, runs = 5): { wall: number; cpu: number } {
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const c = process.cpuUsage();
    fn();
    const d = process.cpuUsage(c);
    wall.push(Number(process.hrtime.bigint() - t) / 1e6);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const fmt = (m: { wall: number; cpu: number }): string => `${m.wall.toFixed(0)} ms wall / ${m.cpu.toFixed(0)} ms CPU`;

const namespaces = Number(process.argv[2] ?? 56);
const t = process.hrtime.bigint();
loadSchemaCatalog();
const catalogMs = Number(process.hrtime.bigint() - t) / 1e6;

const docs = toDocs(scaledObjects(namespaces));
const root = writeDist(docs, fs.mkdtempSync(path.join(os.tmpdir(), 'validate-bench-')));
let violations = 0;
const inMemory = time(() => { violations = validateManifests(docs).violations.length; });
const fromDisk = time(() => { validateDirectory(path.join(root, 'dist'), {}, root); });
fs.rmSync(root, { recursive: true, force: true });

console.log(`objects: ${docs.length} in ${namespaces} namespaces (violations: ${violations})`);
console.log(`schema catalog load (first in process): ${catalogMs.toFixed(0)} ms`);
console.log(`validateManifests, in memory: ${fmt(inMemory)} median (${(inMemory.cpu / docs.length * 1000).toFixed(0)} us CPU/object)`);
console.log(`validateDirectory, YAML on disk: ${fmt(fromDisk)} median`);
console.log(`load average: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
