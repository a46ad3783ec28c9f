import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ComputeResources } from '../../lib/core/resources';
import { PostgresDatabase } from '../../lib/data/postgres';
import { Peer } from '../../lib/security/peer';
import { componentPeer, managedPeer, scrape, storedSecret, storeRef, SystemBase } from './system';

export interface PostgresDefaults {
  /** Database created on first start. */
  readonly database?: string;
  /** Document's storage size when the environment names none. */
  readonly storage?: string;
  /** Document's resources when the environment names none. */
  readonly resources?: ComputeResources;
}

/** PostgreSQL from `components.postgres`: StatefulSet, Deployment or a managed database (external). */
export function postgresFromConfig(base: SystemBase, scope: Construct, defaults: PostgresDefaults = {}): { db: PostgresDatabase; peer: Peer; readPeer?: Peer } {
  const c = base.components.postgres ?? {};
  // Construct ids stay "postgres" whatever the objects are called, so parity
  // compares the same database across environments that name it differently.
  const id = 'postgres';
  const name = c.name ?? id;
  const common = { name, namespace: base.namespace, partOf: base.partOf, database: c.database ?? defaults.database, metrics: { serviceMonitor: base.prometheus !== undefined } };
  if (c.mode === 'external') {
    const e = c.external!;
    const db = new PostgresDatabase(scope, id, { ...common, mode: { type: 'external', host: e.host, port: e.port, remoteKey: e.remoteKey, secretStore: storeRef(base) } });
    return { db, peer: managedPeer(name, 'postgres', e, 5432) };
  }
  const readReplicas = c.mode === 'deployment' ? 0 : c.readReplicas ?? 0;
  storedSecret(base, scope, `${name}-credentials`, { username: { key: id, property: 'username' }, password: { key: id, property: 'password' } }, `${id}-credentials`);
  if (readReplicas > 0) storedSecret(base, scope, `${name}-replication`, { password: { key: `${id}-replication`, property: 'password' } }, `${id}-replication`);
  const db = new PostgresDatabase(scope, id, {
    ...common,
    mode: c.mode === 'deployment' ? { type: 'deployment' } : { type: 'statefulset', readReplicas },
    credentials: { secret: `${name}-credentials` },
    replicationPassword: readReplicas > 0 ? { secret: `${name}-replication`, key: 'password' } : undefined,
    image: c.image,
    resources: c.resources ?? defaults.resources,
    storage: c.storage ?? (defaults.storage ? { size: defaults.storage } : undefined),
    backup: c.backup,
  });
  waiveTwoPartVersion(db, c.image?.tag);
  const peer = componentPeer(base, name, { postgres: 5432, metrics: 9187 }, 'primary');
  base.graph.add(peer);
  scrape(base, peer);
  let readPeer: Peer | undefined;
  if (readReplicas > 0) {
    // Replicas stream the WAL from the primary; clients may read from either.
    readPeer = componentPeer(base, name, { postgres: 5432, metrics: 9187 }, 'read-replica');
    base.graph.connect(readPeer, peer, 'postgres');
    scrape(base, readPeer);
  }
  if (c.backup) base.graph.connect(componentPeer(base, name, {}, 'backup'), peer, 'postgres');
  return { db, peer, readPeer };
}

/**
 * PostgreSQL numbers its releases major.minor (16.4 is a complete patch
 * release): the official image has no x.y.z tag the production image-tag rule
 * could accept, so its objects carry a waiver saying so.
 */
function waiveTwoPartVersion(db: PostgresDatabase, tag: string | undefined): void {
  if (tag !== undefined && /^v?\d+\.\d+\.\d+/.test(tag)) return;
  for (const o of [db.workload, db.replicaSet, db.backupJob]) {
    if (o) ApiObject.of(o).metadata.addAnnotation('validate.platform.dev/waive.policy.image-tag', 'PostgreSQL releases are numbered major.minor (16.4 is a full patch release); the official image has no x.y.z tag');
  }
}
