// Velero installed by _platform must know where backups go (backup.storage):
// without it the chart keeps its placeholder locations (provider null,
// bucket "") that the API server refuses, and every scheduled backup fails.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { PlatformChart, PlatformPlan } from '../../charts/platform';
import { veleroValues, VELERO_PLUGIN_IMAGES } from '../../app/adapters/backup';
import { BackupConfig, ConfigError, derivedEnvironment, EnvironmentConfig, loadEnvironment } from '../../app/config';
import { objectsOf } from '../../lib/gitops/dist-objects';
import { ROOT } from '../helpers/project';

const envDir = path.join(ROOT, 'environments');
const load = (env: string, dir = envDir) => loadEnvironment(env, { dir, root: ROOT });

/** Loads `env` from a copy of environments/ whose file `env`.yaml went through `change`; the error message, or undefined. */
function loadEdited(env: string, change: (text: string) => string): { error?: string; line: (needle: string) => number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'velero-'));
  try {
    for (const f of fs.readdirSync(envDir)) fs.copyFileSync(path.join(envDir, f), path.join(dir, f));
    const file = path.join(dir, `${env}.yaml`);
    const text = change(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, text);
    const line = (needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;
    try {
      load(env, dir);
      return { line };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return { error: e.message, line };
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** prod's storage block, from the line `  storage:` to the end of the backup block (the file's end). */
const withoutStorage = (text: string) => {
  const lines = text.split('\n');
  let at = lines.indexOf('  storage:', lines.indexOf('backup:'));
  if (at < 0 || lines.indexOf('backup:') < 0) throw new Error('prod.yaml has no backup.storage block');
  let end = at + 1;
  while (end < lines.length && lines[end].startsWith('    ')) end++;
  while (at > 0 && lines[at - 1].startsWith('  #')) at--; // its comment goes with it
  return [...lines.slice(0, at), ...lines.slice(end)].join('\n');
};

function veleroApp(env: string): Record<string, any> {
  const dir = path.join(ROOT, 'dist', env, '_platform');
  const f = fs.readdirSync(dir).find((x) => x.includes('--velero-'))!;
  const [o] = objectsOf(new Map([[`${env}/_platform/${f}`, fs.readFileSync(path.join(dir, f), 'utf8')]])).values();
  return (o.object.spec as any).source.helm.valuesObject;
}

const withBackup = (backup: BackupConfig): EnvironmentConfig => derivedEnvironment(load('prod'), { backup });
const storage = { provider: 'aws', bucket: 'b-backups', region: 'eu-west-1', credentials: { existingSecret: 'velero-cloud' } } as const;

describe('Velero storage from backup.storage', () => {
  test('GIVEN prod (EKS, Schedules with volume snapshots) THEN its Velero has an S3 location, an EBS snapshot location, the AWS plugin and an IRSA role, and no placeholder', () => {
    const v = veleroApp('prod');
    expect(v.configuration).toEqual({
      backupStorageLocation: [{ name: 'default', provider: 'aws', bucket: 'example-prod-velero-backups', prefix: 'prod', default: true, config: { region: 'eu-west-1' } }],
      volumeSnapshotLocation: [{ name: 'default', provider: 'aws', config: { region: 'eu-west-1' } }],
    });
    expect(v.initContainers).toEqual([{ name: 'velero-plugin-for-aws', image: 'velero/velero-plugin-for-aws:v1.10.1', imagePullPolicy: 'IfNotPresent', volumeMounts: [{ mountPath: '/target', name: 'plugins' }] }]);
    expect(v.credentials).toEqual({ useSecret: false });
    expect(v.serviceAccount.server.annotations['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//);
    expect(v).toMatchObject({ snapshotsEnabled: true, upgradeCRDs: false });
  });

  test('the default plugin images are pinned release tags of the 1.10 line (Velero 1.14, chart 7.1.4)', () => {
    for (const image of Object.values(VELERO_PLUGIN_IMAGES)) expect(image).toMatch(/^velero\/velero-plugin-for-[a-z-]+:v1\.10\.\d+$/);
  });

  test('GIVEN snapshotVolumes: false and a hand-made Secret THEN no snapshot location, snapshots off, the Secret used', () => {
    const v = veleroValues(withBackup({ schedule: '0 2 * * *', ttl: '720h', snapshotVolumes: false, storage }));
    expect(v).toMatchObject({ snapshotsEnabled: false, credentials: { useSecret: true, existingSecret: 'velero-cloud' } });
    expect((v.configuration as any).volumeSnapshotLocation).toEqual([]);
    expect(v.serviceAccount).toBeUndefined();
  });

  test('GIVEN Azure with workload identity THEN the storage account config goes to the location only, and the pods carry the workload-identity label', () => {
    const v = veleroValues(withBackup({
      schedule: '0 2 * * *', ttl: '720h',
      storage: { provider: 'azure', bucket: 'velero', config: { resourceGroup: 'rg', storageAccount: 'sa' }, credentials: { serviceAccountAnnotations: { 'azure.workload.identity/client-id': 'id' } } },
    }));
    expect((v.configuration as any).backupStorageLocation[0].config).toEqual({ resourceGroup: 'rg', storageAccount: 'sa' });
    expect((v.configuration as any).volumeSnapshotLocation[0].config).toEqual({});
    expect(v.podLabels).toEqual({ 'azure.workload.identity/use': 'true' });
    expect((v.initContainers as any)[0].image).toBe(VELERO_PLUGIN_IMAGES.azure);
  });

  test('GIVEN the platform chart rendering Velero for a config without storage THEN a ConfigError names backup.storage', () => {
    // Located at the field the loaded file has (derivedEnvironment keeps the origins).
    const lines = fs.readFileSync(path.join(envDir, 'prod.yaml'), 'utf8').split('\n');
    const storageLine = () => lines.findIndex((l, i) => i > lines.indexOf('backup:') && l === '  storage:') + 1;
    const config = withBackup({ schedule: '0 2 * * *', ttl: '720h' });
    const plan: PlatformPlan = { env: 'prod', engine: 'argocd', rendered: ['velero'], external: [], usedBy: new Map(), tracingProviders: [] };
    expect(() => new PlatformChart(new App(), 'p', { config, plan })).toThrow(ConfigError);
    expect(() => new PlatformChart(new App(), 'p', { config, plan })).toThrow(new RegExp(`^environments/prod\\.yaml:${storageLine()}:\\d+ backup\\.storage: expected backup\\.storage`));
  });
});

describe('environment file: backup.storage is checked where it is written', () => {
  test('GIVEN Schedules (backup:) and no storage WHEN loaded THEN the error points at the backup block', () => {
    const r = loadEdited('prod', withoutStorage);
    expect(r.error).toMatch(new RegExp(`/prod\\.yaml:${r.line('\nbackup:') + 1}:\\d+ backup\\.storage: required, but missing \\(expected where backups go`));
    expect(r.error).toMatch(/platform\.addons\.velero\.external: true/);
  });

  test('GIVEN no storage but the cluster\'s own Velero declared external THEN it loads', () => {
    // under prod's existing top-level platform block (its ClusterIssuers stay)
    const r = loadEdited('prod', (t) => withoutStorage(t).replace('\nplatform:\n', '\nplatform:\n  addons:\n    velero: { external: true }\n'));
    expect(r.error).toBeUndefined();
  });

  test('GIVEN aws without a region THEN the error names backup.storage.region', () => {
    const r = loadEdited('prod', (t) => t.replace('    region: eu-west-1\n    pluginImage', '    pluginImage'));
    expect(r.error).toMatch(/\/prod\.yaml:\d+:\d+ backup\.storage\.region: required, but missing \(expected the region of the bucket/);
  });

  test('GIVEN both credentials THEN exactly one is asked for', () => {
    const r = loadEdited('prod', (t) => t.replace('    credentials:\n', '    credentials:\n      existingSecret: velero-cloud\n'));
    expect(r.error).toMatch(new RegExp(`/prod\\.yaml:${r.line('existingSecret')}:\\d+ backup\\.storage\\.credentials\\.existingSecret: expected only one of serviceAccountAnnotations .*, not both, got "velero-cloud"`));
  });

  test('GIVEN a floating plugin tag THEN a pinned image is asked for', () => {
    const r = loadEdited('prod', (t) => t.replace('velero-plugin-for-aws:v1.10.1', 'velero-plugin-for-aws:latest'));
    expect(r.error).toMatch(/backup\.storage\.pluginImage: expected an image pinned to a release tag or a digest.*got "velero\/velero-plugin-for-aws:latest"/);
  });

  test('GIVEN Schedules in another namespace than the Velero of _platform watches THEN the error names backup.namespace', () => {
    const r = loadEdited('prod', (t) => t.replace('  snapshotVolumes: true\n', '  snapshotVolumes: true\n  namespace: backups\n'));
    expect(r.error).toMatch(/backup\.namespace: expected "velero" \(the namespace the Velero of _platform watches\), got "backups"/);
  });
});
