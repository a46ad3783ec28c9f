import { PostgresDatabase } from '../../lib/data/postgres';
import { PRUNE_PROTECTION } from '../../lib/core/stateful';
import { gateErrors } from './gate';
import { chart, container, envOf, render } from './util';

const creds = { secret: 'db-credentials' };

describe('PostgresDatabase', () => {
  describe('defaults (StatefulSet)', () => {
    // GIVEN only the namespace and credentials
    const c = chart();
    const db = new PostgresDatabase(c, 'db', { namespace: 'shop', credentials: creds });
    const r = render(c);
    const sts = r.get('StatefulSet/db');

    test('renders a protected StatefulSet with retained claims and PGDATA in a subdirectory', () => {
      expect(sts.metadata.annotations).toEqual(PRUNE_PROTECTION);
      expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
      expect(sts.spec.serviceName).toBe('db-headless');
      const vct = sts.spec.volumeClaimTemplates[0];
      expect(vct.metadata.annotations).toEqual(PRUNE_PROTECTION);
      expect(vct.spec.resources.requests.storage).toBe('10Gi');
      expect(vct.spec.storageClassName).toBeUndefined();
      expect(envOf(container(sts, 'postgres')).PGDATA).toBe('/var/lib/postgresql/data/pgdata');
    });

    test('takes the password from the Secret and never renders a literal', () => {
      const env = envOf(container(sts, 'postgres'));
      expect(env.POSTGRES_PASSWORD).toEqual({ secretKeyRef: { name: 'db-credentials', key: 'password' } });
      expect(r.all.filter((o) => o.kind === 'Secret')).toHaveLength(0);
    });

    test('runs as the image user 999, pinned, with pg_isready probes and the exporter on 9187', () => {
      const spec = sts.spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsUser: 999, fsGroup: 999, runAsNonRoot: true });
      const pg = container(sts, 'postgres');
      expect(pg.image).toBe('docker.io/library/postgres:16.4');
      expect(pg.readinessProbe.exec.command.join(' ')).toContain('pg_isready -h 127.0.0.1');
      expect(pg.livenessProbe.exec.command.join(' ')).toContain('pg_isready -h /var/run/postgresql');
      expect(container(sts, 'exporter').ports).toEqual([{ name: 'metrics', containerPort: 9187, protocol: 'TCP' }]);
    });

    test('Services: ClusterIP with named ports, headless without metrics; ServiceMonitor on metrics', () => {
      expect(r.get('Service/db').spec.ports.map((p: any) => p.name)).toEqual(['postgres', 'metrics']);
      expect(r.get('Service/db-headless').spec).toMatchObject({ clusterIP: 'None', ports: [{ name: 'postgres' }] });
      expect(r.get('ServiceMonitor/db').spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', scheme: 'http', interval: '30s' }]);
      expect(db.host).toBe('db.shop.svc');
      expect(db.readHost).toBeUndefined();
    });

    test('passes the schema and restricted policy gate', () => {
      expect(gateErrors(r.all)).toEqual([]);
    });
  });

  test('deployment mode (dev): Recreate Deployment with a protected PVC, size and class from props', () => {
    const c = chart();
    new PostgresDatabase(c, 'db', { namespace: 'dev', credentials: creds, mode: { type: 'deployment' }, storage: { size: '10Gi', storageClass: 'standard' } });
    const r = render(c);
    const d = r.get('Deployment/db');
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec.template.spec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'db-data' } });
    const pvc = r.get('PersistentVolumeClaim/db-data');
    expect(pvc.metadata.annotations).toEqual(PRUNE_PROTECTION);
    expect(pvc.spec).toMatchObject({ storageClassName: 'standard', resources: { requests: { storage: '10Gi' } } });
    expect(r.has('StatefulSet/db')).toBe(false);
    expect(gateErrors(r.all)).toEqual([]);
  });

  describe('read replicas and backup (prod)', () => {
    const c = chart();
    const db = new PostgresDatabase(c, 'db', {
      namespace: 'prod',
      credentials: creds,
      replicationPassword: { secret: 'db-replication', key: 'password' },
      mode: { type: 'statefulset', readReplicas: 2 },
      storage: { size: '50Gi', storageClass: 'gp3' },
      backup: { schedule: '30 1 * * *', storage: { size: '100Gi' }, keep: 14 },
      parameters: { max_connections: '200' },
    });
    const r = render(c);

    test('replicas clone the primary with pg_basebackup, are spread and have a PDB and a read Service', () => {
      const rep = r.get('StatefulSet/db-replica');
      expect(rep.spec.replicas).toBe(2);
      expect(rep.metadata.annotations).toEqual(PRUNE_PROTECTION);
      expect(container(rep, 'clone-primary').command[2]).toContain('pg_basebackup -h db.prod.svc');
      expect(rep.spec.template.spec.affinity.podAntiAffinity).toBeDefined();
      expect(r.get('PodDisruptionBudget/db-replica').spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/component': 'read-replica' } } });
      expect(r.get('Service/db-replicas').spec.selector['app.kubernetes.io/component']).toBe('read-replica');
      expect(r.get('StatefulSet/db').spec.selector.matchLabels['app.kubernetes.io/component']).toBe('primary');
      expect(db.readHost).toBe('db-replicas.prod.svc');
    });

    test('primary allows replication and creates the role from the Secret', () => {
      const pg = container(r.get('StatefulSet/db'), 'postgres');
      expect(pg.args).toEqual(expect.arrayContaining(['-c', 'hba_file=/etc/postgresql/pg_hba.conf', 'max_connections=200', 'wal_level=replica']));
      expect(envOf(pg).REPLICATION_PASSWORD).toEqual({ secretKeyRef: { name: 'db-replication', key: 'password' } });
      expect(r.get('ConfigMap/db-replication').data['pg_hba.conf']).toContain('host replication replicator');
    });

    test('backup CronJob forbids overlap, has deadlines and history limits, dumps to its own PVC', () => {
      const cj = r.get('CronJob/db-backup');
      expect(cj.spec).toMatchObject({ schedule: '30 1 * * *', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 600, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
      expect(cj.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(3600);
      expect(container(cj, 'pg-dump').command[2]).toContain('tail -n +15');
      expect(r.get('PersistentVolumeClaim/db-backups').metadata.annotations).toEqual(PRUNE_PROTECTION);
    });

    test('passes the gate', () => {
      expect(gateErrors(r.all)).toEqual([]);
    });
  });

  test('external mode renders only an ExternalName Service and an ExternalSecret', () => {
    const c = chart();
    const db = new PostgresDatabase(c, 'db', {
      namespace: 'idp',
      mode: { type: 'external', host: 'idp.abc.eu-west-1.rds.amazonaws.com', secretStore: { name: 'aws', kind: 'ClusterSecretStore' }, remoteKey: 'prod/idp/postgres' },
    });
    const r = render(c);
    expect(r.all.map((o) => o.kind).sort()).toEqual(['ExternalSecret', 'Service']);
    expect(r.get('Service/db').spec).toMatchObject({ type: 'ExternalName', externalName: 'idp.abc.eu-west-1.rds.amazonaws.com', ports: [{ name: 'postgres', port: 5432 }] });
    expect(r.get('ExternalSecret/db-credentials').spec).toMatchObject({
      secretStoreRef: { name: 'aws', kind: 'ClusterSecretStore' },
      data: [
        { secretKey: 'password', remoteRef: { key: 'prod/idp/postgres', property: 'password' } },
        { secretKey: 'username', remoteRef: { key: 'prod/idp/postgres', property: 'username' } },
      ],
    });
    expect(db.credentialsSecret).toBe('db-credentials');
    expect(gateErrors(r.all)).toEqual([]);
  });

  describe('invalid props', () => {
    const cases: [string, any, string][] = [
      ['missing credentials', {}, 'test/db: credentials: expected the Secret holding the superuser name and password ({ secret, usernameKey, passwordKey }), got nothing'],
      ['latest tag', { credentials: creds, image: { repository: 'postgres', tag: 'latest' } }, 'image.tag: expected a pinned tag'],
      ['bad storage', { credentials: creds, storage: { size: 'ten' } }, 'storage.size: expected a storage quantity such as "10Gi", got "ten"'],
      ['replicas without replication password', { credentials: creds, mode: { type: 'statefulset', readReplicas: 1 } }, 'replicationPassword: expected a Secret key with the password of the "replicator" role when readReplicas > 0'],
      ['negative replicas', { credentials: creds, mode: { type: 'statefulset', readReplicas: -1 } }, 'mode.readReplicas: expected an integer from 0 to 15, got -1'],
      ['bad schedule', { credentials: creds, backup: { schedule: 'daily', storage: { size: '1Gi' } } }, 'backup.schedule: expected a five-field cron expression'],
      ['bad database name', { credentials: creds, database: 'my-db' }, 'database: expected a PostgreSQL identifier'],
      ['requests above limits', { credentials: creds, resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }, 'resources.requests.cpu: expected at most the CPU limit (1), got "2"'],
      ['storage in external mode', { mode: { type: 'external', host: 'db.example.com', secretStore: { name: 's' }, remoteKey: 'k' }, storage: { size: '1Gi' } }, 'storage: expected nothing in external mode'],
      ['IP as external host', { mode: { type: 'external', host: '10.0.0.1', secretStore: { name: 's' }, remoteKey: 'k' } }, 'mode.host: expected a DNS host name'],
    ];
    test.each(cases)('%s', (_, props, message) => {
      expect(() => new PostgresDatabase(chart(), 'db', { namespace: 'ns', ...props })).toThrow(message);
    });
  });
});
