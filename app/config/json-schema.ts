import { z } from 'zod';
import { environmentSchema } from './schema';

/**
 * JSON Schema for editors (yaml-language-server). Every field is optional here
 * because each file is partial (defaults.yaml plus an overlay); required fields
 * are enforced by the loader on the merged result.
 */
export function environmentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(environmentSchema, { target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...dropRequired(schema) as Record<string, unknown>, title: 'Environment file (environments/<env>.yaml or defaults.yaml)' };
}

function dropRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(dropRequired);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'required') out[k] = dropRequired(v);
  return out;
}
