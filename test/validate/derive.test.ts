/**
 * The derivation reads the shapes `cdk8s import` generates. A miniature
 * module in that style pins down how each shape maps to the schema.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findProjectRoot } from '../../lib/validate';
import { deriveCatalog, projectBindingSources } from '../../lib/validate/schema/derive';
import { checkAgainstStruct } from '../../lib/validate/schema/check';

const GENERATED = `
import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';
export class Widget extends ApiObject {
  public static readonly GVK: GroupVersionKind = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
  }
}
export interface WidgetProps {
  readonly metadata?: ApiObjectMetadata;
  readonly spec: WidgetSpec;
}
export function toJson_WidgetProps(obj: WidgetProps | undefined): Record<string, any> | undefined {
  if (obj === undefined) { return undefined; }
  const result = {
    'metadata': obj.metadata,
    'spec': toJson_WidgetSpec(obj.spec),
  };
  return result;
}
export interface WidgetSpec {
  readonly replicas?: number;
  readonly hostIpc?: boolean;
  readonly mode: WidgetSpecMode;
  readonly code?: WidgetSpecCode;
  readonly maxSurge?: WidgetSpecMaxSurge;
  readonly labels?: { [key: string]: string };
  readonly items?: WidgetSpecItems[];
  readonly values?: any;
  readonly jwksUri?: string;
  readonly at?: Date;
}
export function toJson_WidgetSpec(obj: WidgetSpec | undefined): Record<string, any> | undefined {
  if (obj === undefined) { return undefined; }
  const result = {
    'replicas': obj.replicas,
    'hostIPC': obj.hostIpc,
    'mode': obj.mode,
    'code': obj.code,
    'maxSurge': obj.maxSurge?.value,
    'labels': ((obj.labels) === undefined) ? undefined : (Object.entries(obj.labels).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})),
    'items': obj.items?.map(y => toJson_WidgetSpecItems(y)),
    'values': obj.values,
    'jwks_uri': obj.jwksUri,
    'at': obj.at?.toISOString(),
  };
  return result;
}
export interface WidgetSpecItems {
  readonly name: string;
}
export function toJson_WidgetSpecItems(obj: WidgetSpecItems | undefined): Record<string, any> | undefined {
  if (obj === undefined) { return undefined; }
  const result = {
    'name': obj.name,
  };
  return result;
}
export enum WidgetSpecMode {
  /** fast */
  FAST = "fast",
  /** Slow */
  SLOW = "Slow",
}
export enum WidgetSpecCode {
  VALUE_301 = 301,
  VALUE_302 = 302,
}
export class WidgetSpecMaxSurge {
  public static fromNumber(value: number): WidgetSpecMaxSurge {
    return new WidgetSpecMaxSurge(value);
  }
  public static fromString(value: string): WidgetSpecMaxSurge {
    return new WidgetSpecMaxSurge(value);
  }
  private constructor(public readonly value: number | string) {
  }
}

/** compiled form, as in cdk8s-plus-27's k8s.d.ts / k8s.js */
export declare class Gadget extends ApiObject {
    static readonly GVK: GroupVersionKind;
}
export interface GadgetProps {
    readonly data?: {
        [key: string]: string;
    };
}
Gadget.GVK = {
    apiVersion: 'example.com/v2',
    kind: 'Gadget',
};
function toJson_GadgetProps(obj) {
    if (obj === undefined) {
        return undefined;
    }
    const result = {
        'data': ((obj.data) === undefined) ? undefined : (Object.entries(obj.data).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})),
    };
    // filter undefined values
    return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});
}
`;

describe('deriving a schema from generated bindings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'derive-'));
  const file = path.join(dir, 'widget-example.com.ts');
  fs.writeFileSync(file, GENERATED);
  const catalog = deriveCatalog([{ module: 'widget', label: 'imports/widget-example.com.ts', files: [file] }], new Map());
  const spec = catalog.structs['widget:WidgetSpec'];

  test('GIVEN a class with a static GVK WHEN derived THEN the kind maps to its Props struct, namespaced by default', () => {
    expect(catalog.kinds['example.com/v1/Widget']).toEqual({
      apiVersion: 'example.com/v1', kind: 'Widget', struct: 'widget:WidgetProps', namespaced: true, source: 'imports/widget-example.com.ts',
    });
    expect(catalog.unresolved).toEqual([]);
  });

  test('GIVEN toJson mappings WHEN derived THEN fields carry their JSON names, not the camelCase members', () => {
    expect(Object.keys(spec.props)).toEqual(expect.arrayContaining(['hostIPC', 'jwks_uri', 'maxSurge']));
    expect(spec.props.hostIpc).toBeUndefined();
  });

  test('GIVEN each generated shape WHEN derived THEN it maps to the schema node of the same meaning', () => {
    expect(spec.props).toMatchObject({
      replicas: { t: 'number' },
      hostIPC: { t: 'boolean' },
      mode: { t: 'enum', values: ['fast', 'Slow'], loose: true },
      code: { t: 'enum', values: [301, 302], loose: true },
      maxSurge: { t: 'int-or-string' },
      labels: { t: 'map', values: { t: 'string' } },
      items: { t: 'array', items: { t: 'ref', name: 'widget:WidgetSpecItems' } },
      values: { t: 'any' },
      at: { t: 'string' },
    });
    expect(spec.required).toEqual(['mode']);
  });

  test('GIVEN a snake_case JSON name for a camelCase member WHEN derived THEN the camelCase spelling is accepted too (Istio aliases)', () => {
    expect(spec.props.jwksUri).toEqual({ t: 'string' });
  });

  test('GIVEN ApiObjectMetadata WHEN derived THEN metadata is checked against the core ObjectMeta', () => {
    expect(catalog.structs['widget:WidgetProps'].props.metadata).toEqual({ t: 'ref', name: 'k8s:ObjectMeta' });
  });

  test('GIVEN the kind struct WHEN derived THEN apiVersion, kind and status are accepted', () => {
    expect(catalog.structs['widget:WidgetProps'].props).toMatchObject({ apiVersion: { t: 'string' }, kind: { t: 'string' }, status: { t: 'any' } });
  });

  test('GIVEN the compiled form (declare class, GVK assignment, multi-line type literal) WHEN derived THEN it reads the same', () => {
    expect(catalog.kinds['example.com/v2/Gadget'].struct).toBe('widget:GadgetProps');
    expect(catalog.structs['widget:GadgetProps'].props.data).toEqual({ t: 'map', values: { t: 'string' } });
  });

  test('GIVEN an imports directory of sources or of compiled pairs WHEN listing binding sources THEN each module is read once', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bindings-'));
    fs.mkdirSync(path.join(root, 'imports'));
    for (const f of ['a.ts', 'b.d.ts', 'b.js', 'c.d.ts', 'k8s.ts', 'k8s.d.ts', 'k8s.js']) fs.writeFileSync(path.join(root, 'imports', f), '');
    fs.symlinkSync(path.join(findProjectRoot(), 'node_modules'), path.join(root, 'node_modules'));
    const sources = projectBindingSources(root);
    expect(sources.map((s) => [s.module, s.files.map((f) => path.basename(f))])).toEqual([
      ['k8s', ['k8s.d.ts', 'k8s.js']],
      ['a', ['a.ts']],
      ['b', ['b.d.ts', 'b.js']],
    ]);
  });

  test('GIVEN the derived struct WHEN checking objects THEN unknown, mistyped and missing fields are found', () => {
    const issues = checkAgainstStruct(catalog, 'widget:WidgetSpec', { replicas: 'x', mod: 'fast', items: [{}] }, 'spec');
    expect(issues.map((i) => `${i.rule} ${i.path}`).sort()).toEqual([
      'schema/required-field spec.items[0].name',
      'schema/required-field spec.mode',
      'schema/unknown-field spec.mod',
      'schema/wrong-type spec.replicas',
    ]);
  });
});
