/** One problem in an environment file, located precisely enough to jump to. */
export interface ConfigProblem {
  /** File path as the user would type it, relative to the project root. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Dotted field path, e.g. `systems.ecosystem.services.user-service.replicas`. */
  readonly path: string;
  /** What is wrong and what would be valid. */
  readonly message: string;
}

/** `environments/prod.yaml:14:7 systems.x.replicas: expected an integer >= 0, got "five"` */
export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.column} ${p.path || '(file)'}: ${p.message}`;
}

/** Thrown when environment files are invalid; `message` is one line per problem. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

/** How a value reads in an error message: `"five"`, `-1`, `a list`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}
