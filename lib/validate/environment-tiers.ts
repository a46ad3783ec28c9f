import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

/** Shared settings that every environment file of the directory extends. */
const DEFAULTS_FILE = 'defaults.yaml';

/**
 * `environment.tier` of every `<name>.yaml` in an environments directory (the
 * file's own, else the one of `defaults.yaml`), read without validating the
 * rest: what the command-line gate needs to apply the tier rules to rendered
 * files when it runs without the app. A file that does not parse counts as
 * one without a tier; with no tier at all an environment is left out (its
 * tier is unknown, so production's rules apply).
 */
export function environmentTiers(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  const tierIn = (file: string): string | undefined => {
    try {
      const data: unknown = parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      const env = (data as { environment?: { tier?: unknown } } | null)?.environment;
      return typeof env?.tier === 'string' ? env.tier : undefined;
    } catch {
      return undefined;
    }
  };
  const fallback = fs.existsSync(path.join(dir, DEFAULTS_FILE)) ? tierIn(DEFAULTS_FILE) : undefined;
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.yaml') || f === DEFAULTS_FILE) continue;
    const tier = tierIn(f) ?? fallback;
    if (tier !== undefined) out[f.slice(0, -'.yaml'.length)] = tier;
  }
  return out;
}
