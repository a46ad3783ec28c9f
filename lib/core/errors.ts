import { Construct } from 'constructs';

/**
 * Error for invalid construct props: names the construct path, the field, the
 * bad value and what would be valid. The parts are kept, so an app that built
 * the props from a file can report the error at the value's line.
 */
export class PropsError extends Error {
  /** Path of the construct that refused its props, e.g. `shop/user-service`. */
  public readonly constructPath: string;
  /** The field, dotted, e.g. `image.tag`. */
  public readonly field: string;
  /** The refused value. */
  public readonly value: unknown;
  /** What would be valid. */
  public readonly expected: string;

  constructor(scope: Construct, field: string, value: unknown, expected: string) {
    super(`${scope.node.path}: ${field}: expected ${expected}, got ${render(value)}`);
    this.name = 'PropsError';
    this.constructPath = scope.node.path;
    this.field = field;
    this.value = value;
    this.expected = expected;
  }
}

function render(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}
