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
