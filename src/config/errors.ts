/** Any problem with a configuration file: the message names the file and line where known. */
export class ConfigError extends Error {
  readonly file?: string;
  readonly line?: number;

  constructor(message: string, where: { file?: string; line?: number } = {}) {
    const prefix = where.file ? `${where.file}${where.line !== undefined ? `:${where.line}` : ''}: ` : '';
    super(prefix + message);
    this.name = 'ConfigError';
    this.file = where.file;
    this.line = where.line;
  }
}

/** A `${VAR}` reference to a variable that is not in the environment (raised at read time). */
export class EnvironmentNotFoundError extends ConfigError {
  readonly varname: string | null;

  constructor(varname: string | null, where: { file?: string; line?: number; key?: string } = {}) {
    super(`Variable not found '${varname ?? ''}'${where.key ? ` (reading ${where.key})` : ''}`, where);
    this.name = 'EnvironmentNotFoundError';
    this.varname = varname;
  }
}

/** Any error as a one-line ConfigError naming the file: no stack, whatever threw it. */
export function asConfigError(err: unknown, file: string): ConfigError {
  if (err instanceof ConfigError && err.file !== undefined) return err;
  const e = err as Error | null;
  const text = err instanceof ConfigError ? err.message : `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
  // A multi-line message (the route table lists every problem) becomes one line.
  const oneLine = text.replace(/:\n\s*/, ': ').replace(/\n\s*/g, '; ');
  return new ConfigError(oneLine, { file });
}
