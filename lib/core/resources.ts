import * as k8s from '../../imports/k8s';

export type Quantity = string | number;

/** CPU and memory for one side (requests or limits). */
export interface ComputeQuantities {
  /** CPU, e.g. "250m" or 1. */
  readonly cpu: Quantity;
  /** Memory, e.g. "256Mi". */
  readonly memory: Quantity;
}

/** Requests and limits; both are required by the policy gate. */
export interface ComputeResources {
  readonly requests: ComputeQuantities;
  readonly limits: ComputeQuantities;
}

export function toResourceRequirements(r: ComputeResources): k8s.ResourceRequirements {
  const q = (v: Quantity) => k8s.Quantity.fromString(String(v));
  return {
    requests: { cpu: q(r.requests.cpu), memory: q(r.requests.memory) },
    limits: { cpu: q(r.limits.cpu), memory: q(r.limits.memory) },
  };
}

const CPU = /^(\d+(?:\.\d+)?)(m?)$/;
const BYTES = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;
const FACTORS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };

/** CPU quantity in millicores, or undefined when it does not parse. */
export function cpuMillis(q: Quantity): number | undefined {
  const m = CPU.exec(String(q));
  if (!m) return undefined;
  return m[2] === 'm' ? Number(m[1]) : Number(m[1]) * 1000;
}

/** Byte quantity in bytes, or undefined when it does not parse. */
export function bytes(q: Quantity): number | undefined {
  const m = BYTES.exec(String(q));
  return m ? Number(m[1]) * FACTORS[m[2] ?? ''] : undefined;
}
