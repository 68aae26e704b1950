import { readFileSync } from 'node:fs';
import { ConfigError } from './errors';

/**
 * Reads a config file as UTF-8. A file that cannot be read is a ConfigError naming it, placed at
 * `where` (the line that refers to it) and prefixed with `what` (e.g. `extends: `).
 */
export function readConfigFile(path: string, what = '', where: { file?: string; line?: number } = {}): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    const named = where.file === path ? '' : ` '${path}'`;
    throw new ConfigError(`${what}cannot read${named}: ${reason}`, where);
  }
}
