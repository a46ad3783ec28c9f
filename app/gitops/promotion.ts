// `npm run promote` / `npm run rollback`: a release step expressed as a
// one-value edit of environments/<env>.yaml, the only way anything reaches a
// cluster under GitOps. Which value depends on the service's strategy.
import * as fs from 'fs';
import * as path from 'path';
import { closest, EnvironmentConfig, loadEnvironment, ServiceConfig } from '../config';
import { editYaml, readYaml, YamlEdit, YamlPath } from './yaml-edit';

export type Direction = 'promote' | 'rollback';

export interface PromotionRequest {
  readonly direction: Direction;
  readonly env: string;
  readonly service: string;
  /** System holding the service; needed only when two systems have a service of that name. @default found */
  readonly system?: string;
  /** New image tag (promote), or the tag to return to (rollback of a tag-driven service). @default none */
  readonly tag?: string;
  /** Rollback of a plain canary: drop it at once instead of stepping back one stage. @default false */
  readonly abort?: boolean;
  /** Directory holding the environment files. @default "environments" */
  readonly envDir?: string;
  /**
   * Earlier values of a field of the environment file, newest first (e.g.
   * from Git history), for rolling back an image tag without `--tag`.
   * @default none known
   */
  readonly history?: (file: string, field: YamlPath) => unknown[];
}

export interface Promotion {
  /** The environment file edited. */
  readonly file: string;
  readonly before: string;
  readonly after: string;
  /** What changed, one line per field, e.g. `strategy.activeColor: blue -> green`. */
  readonly changes: readonly string[];
}

/** A request that cannot be carried out; the message says why and what to do instead. */
export class PromotionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromotionError';
  }
}

type Strategy = NonNullable<ServiceConfig['strategy']>;
type Edit = { readonly field: string[]; readonly value?: string | number; readonly delete?: true };

/** Works out the edit for a promote or rollback; writes nothing. */
export function planPromotion(req: PromotionRequest): Promotion {
  const dir = req.envDir ?? 'environments';
  const config = loadEnvironment(req.env, { dir });
  const { system, service } = findService(config, req.service, req.system);
  const file = path.join(dir, `${req.env}.yaml`);
  const before = fs.readFileSync(file, 'utf8');
  const base = ['systems', system, 'services', req.service];
  const who = `${req.service} in ${req.env}`;
  const edits = req.direction === 'promote' ? promoteEdits(service, req, who) : rollbackEdits(service, req, who, (field) => req.history?.(file, [...base, ...field]) ?? []);
  const yamlEdits: YamlEdit[] = edits.map((e) => (e.delete ? { path: [...base, ...e.field], delete: true } : { path: [...base, ...e.field], value: e.value! }));
  const after = editYaml(before, yamlEdits, file);
  const changes = edits.map((e) => `${e.field.join('.')}: ${show(readYaml(before, [...base, ...e.field]))} -> ${e.delete ? '(removed)' : show(e.value)}`);
  return { file, before, after, changes };
}

function show(v: unknown): string {
  return v === undefined ? '(unset)' : String(v);
}

function findService(config: EnvironmentConfig, name: string, wanted?: string): { system: string; service: ServiceConfig } {
  const systems = Object.entries(config.systems as Record<string, { services?: Record<string, ServiceConfig> } | undefined>).filter(([, s]) => s?.services);
  if (wanted) {
    const sys = systems.find(([n]) => n === wanted);
    if (!sys) {
      const hint = closest(wanted, systems.map(([n]) => n));
      throw new PromotionError(`environments/${config.name}.yaml: no system "${wanted}"${hint ? `; did you mean "${hint}"?` : ''} (systems: ${systems.map(([n]) => n).join(', ')})`);
    }
  }
  const matches = systems.filter(([n, s]) => (!wanted || n === wanted) && s!.services![name]);
  if (matches.length === 1) return { system: matches[0][0], service: matches[0][1]!.services![name] };
  if (matches.length > 1) {
    throw new PromotionError(`${name} exists in systems ${matches.map(([n]) => n).join(' and ')} of ${config.name}; say which with --system`);
  }
  const all = systems.filter(([n]) => !wanted || n === wanted).flatMap(([, s]) => Object.keys(s!.services!)).sort();
  const hint = closest(name, all);
  throw new PromotionError(`environments/${config.name}.yaml: no service "${name}"${hint ? `; did you mean "${hint}"?` : ''} (services: ${all.join(', ') || 'none'})`);
}

const other = (c: string) => (c === 'blue' ? 'green' : 'blue');

function isPlainBlueGreen(s: Strategy | undefined): s is Extract<Strategy, { type: 'blue-green' }> {
  return s?.type === 'blue-green' && (s.backend ?? 'plain') === 'plain';
}

function isPlainCanary(s: Strategy | undefined): s is Extract<Strategy, { type: 'canary' }> {
  return s?.type === 'canary' && s.backend === 'plain';
}

function promoteEdits(svc: ServiceConfig, req: PromotionRequest, who: string): Edit[] {
  const s = svc.strategy;
  if (isPlainBlueGreen(s)) {
    // The idle colour gets the new version (when given) and then the traffic;
    // the colour it replaces stays up as the standby a rollback returns to.
    const idle = other(s.activeColor ?? 'blue');
    return [...(req.tag ? [{ field: ['strategy', 'tags', idle], value: req.tag }] : []), { field: ['strategy', 'activeColor'], value: idle }];
  }
  if (isPlainCanary(s)) {
    if (req.tag) {
      if (s.canaryTag === req.tag) throw new PromotionError(`${who}: a canary of ${req.tag} is already at stage ${s.stage ?? 0}; promote without --tag to advance it`);
      if (s.canaryTag !== undefined) throw new PromotionError(`${who}: a canary of ${s.canaryTag} is in progress; finish it (promote) or abort it (rollback --abort) before starting ${req.tag}`);
      return [{ field: ['strategy', 'canaryTag'], value: req.tag }, { field: ['strategy', 'stage'], value: 0 }];
    }
    if (s.canaryTag === undefined) throw new PromotionError(`${who}: no canary in progress; start one with --tag <version>`);
    const stage = s.stage ?? 0;
    if (stage < s.stages.length - 1) return [{ field: ['strategy', 'stage'], value: stage + 1 }];
    // Past the last stage the canary becomes the stable version.
    return [{ field: ['image', 'tag'], value: s.canaryTag }, { field: ['strategy', 'canaryTag'], delete: true }, { field: ['strategy', 'stage'], delete: true }];
  }
  if (!req.tag) {
    const how = s ? `${s.type}${'backend' in s && s.backend ? ` (${s.backend})` : ''}` : 'the default rolling update';
    throw new PromotionError(`${who} uses ${how}: promote needs --tag <version>; the ${s && 'backend' in s && s.backend !== 'plain' ? 'controller' : 'Deployment'} rolls it out from there`);
  }
  if (svc.image.tag === req.tag) throw new PromotionError(`${who} already runs ${req.tag}`);
  return [{ field: ['image', 'tag'], value: req.tag }];
}

function rollbackEdits(svc: ServiceConfig, req: PromotionRequest, who: string, history: (field: string[]) => unknown[]): Edit[] {
  const s = svc.strategy;
  if (isPlainBlueGreen(s)) {
    if (req.tag) throw new PromotionError(`${who}: blue-green rollback switches back to the standby colour; it takes no --tag`);
    const active = s.activeColor ?? 'blue';
    const standby = other(active);
    const [activeTag, standbyTag] = [s.tags?.[active] ?? svc.image.tag, s.tags?.[standby] ?? svc.image.tag];
    // Switching to a standby that runs the same version rolls nothing back; it only moves traffic to pods that never served it.
    if (activeTag === standbyTag) {
      throw new PromotionError(`${who}: nothing to roll back: the standby colour ${standby} runs ${standbyTag}, the same version as the active ${active}; to return to an older version, promote it with --tag <version>`);
    }
    const colours = history(['strategy', 'activeColor']);
    if (colours.length > 0 && !colours.includes(standby)) {
      throw new PromotionError(`${who}: nothing to roll back: ${standby} (${standbyTag}) has never been the active colour in Git history; promote it instead if that is intended`);
    }
    return [{ field: ['strategy', 'activeColor'], value: standby }];
  }
  if (isPlainCanary(s) && s.canaryTag !== undefined) {
    if (req.tag) throw new PromotionError(`${who}: canary rollback steps back (or --abort drops the canary); it takes no --tag`);
    const stage = s.stage ?? 0;
    if (stage > 0 && !req.abort) return [{ field: ['strategy', 'stage'], value: stage - 1 }];
    return [{ field: ['strategy', 'canaryTag'], delete: true }, { field: ['strategy', 'stage'], delete: true }];
  }
  const current = svc.image.tag;
  const target = req.tag ?? (history(['image', 'tag']).find((t) => typeof t === 'string' && t !== current) as string | undefined);
  if (!target) throw new PromotionError(`${who}: no earlier image tag than ${current} in Git history; say which with --tag <version>`);
  if (target === current) throw new PromotionError(`${who} already runs ${target}`);
  return [{ field: ['image', 'tag'], value: target }];
}
