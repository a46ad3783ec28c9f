import { Construct } from 'constructs';

/**
 * Error for invalid construct props: names the construct path, the field, the
 * bad value and what would be valid.
 */
export class PropsError extends Error {
  constructor(scope: Construct, field: string, value: unknown, expected: string) {
    super(`${scope.node.path}: ${field}: expected ${expected}, got ${render(value)}`);
    this.name = 'PropsError';
  }
}

function render(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}
