import { execFileSync } from 'child_process';
import * as path from 'path';
import { readYaml, YamlPath } from './yaml-edit';

/**
 * Values a field of a YAML file had in its last `depth` commits, newest first
 * (HEAD included); empty outside a Git work tree. Rollback uses it to find the
 * image tag that came before the current one.
 */
export function fieldHistory(file: string, field: YamlPath, depth = 50): unknown[] {
  const cwd = path.dirname(path.resolve(file));
  const name = `./${path.basename(file)}`;
  const git = (args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 * 1024 * 1024 });
  let commits: string[];
  try {
    commits = git(['log', '--format=%H', '-n', String(depth), '--', name]).split('\n').filter(Boolean);
  } catch {
    return [];
  }
  const out: unknown[] = [];
  for (const sha of commits) {
    try {
      out.push(readYaml(git(['show', `${sha}:${name}`]), field));
    } catch {
      // A commit where the file did not parse says nothing about the field.
    }
  }
  return out;
}
