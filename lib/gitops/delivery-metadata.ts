import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { SYNC_WAVE } from './annotations';
import { holdsData, protectFromPrune } from './prune-protection';
import { syncWaveOf } from './sync-waves';

/**
 * Applied to every system chart just before rendering: gives each object the
 * Argo CD sync wave of its kind (unless the construct set one itself) and
 * protects data-holding objects from pruning. Runs on the construct tree, so
 * constructs keep full control by setting the annotations themselves.
 */
export function applyDeliveryMetadata(root: Construct): void {
  for (const c of root.node.findAll()) if (c instanceof ApiObject) applyTo(c);
}

function applyTo(c: ApiObject): void {
  const annotations: Record<string, string> = c.metadata.toJson()?.annotations ?? {};
  const wave = syncWaveOf(c.kind);
  if (wave !== undefined && annotations[SYNC_WAVE] === undefined) c.metadata.addAnnotation(SYNC_WAVE, wave);
  // Only StatefulSets need their spec looked at; everything else is decided by kind.
  const spec = c.kind === 'StatefulSet' ? (c.toJson() as { spec?: unknown }).spec : undefined;
  if (holdsData({ kind: c.kind, spec })) protectFromPrune(c);
}
