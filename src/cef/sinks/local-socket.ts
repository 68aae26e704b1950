import { statSync } from 'node:fs';

/**
 * Why the local syslog socket at `path` cannot be used yet (no such file, not a socket), or
 * undefined when it is there. Checked before connecting, so the warning says what is missing.
 */
export function missingSocket(path: string): Error | undefined {
  try {
    if (statSync(path).isSocket()) return undefined;
    return new Error(`${path} is not a socket`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return new Error(code === 'ENOENT' ? `no syslog socket at ${path}; start a syslog daemon or set cef.syslog.socket` : (err as Error).message);
  }
}
