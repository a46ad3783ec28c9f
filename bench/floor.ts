// The serialization floor: writes objects that are already built (read from a
// JSON file) to the same files with the same serializer as synth, and nothing
// else: no constructs, no validation, no staging. What any synth must at
// least spend to produce the same bytes (with the app's YAML emitter, as synth
// writes them):
// - into an empty or missing OUTDIR, serialize and create every file;
// - where OUTDIR already holds a render, serialize, read the file there and
//   write only when the text differs (a synth cannot know a file is current
//   without reading it, and need not write one that is). This is the floor
//   for synth's own re-render, which also leaves unchanged files alone.
//   node build/bench/floor.js INPUT.json OUTDIR
import * as fs from 'fs';
import * as path from 'path';
import { withShortcuts } from '../app/fast';
import { objectFile, toYaml } from '../lib/synth/serialize';

/** One output file: an object with its provenance header, a bare object (kustomization.yaml), or text. */
export interface FloorEntry {
  readonly path: string;
  readonly constructPath?: string;
  readonly object?: unknown;
  readonly text?: string;
}

function main(argv: readonly string[]): number {
  const [input, outDir] = argv;
  if (!input || !outDir) {
    process.stderr.write('usage: node build/bench/floor.js INPUT.json OUTDIR\n');
    return 2;
  }
  const entries = JSON.parse(fs.readFileSync(input, 'utf8')) as FloorEntry[];
  const reuse = fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0;
  const made = new Set<string>();
  for (const e of entries) {
    const file = path.join(outDir, e.path);
    const dir = path.dirname(file);
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const text = e.text ?? (e.constructPath !== undefined ? objectFile(e.constructPath, e.object) : toYaml(e.object));
    if (!reuse || readOrUndefined(file) !== text) fs.writeFileSync(file, text);
  }
  return 0;
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

process.exitCode = withShortcuts(() => main(process.argv.slice(2)));
