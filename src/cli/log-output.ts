import pino, { type Logger } from 'pino';
import { createLogger } from '../app/logger';
import type { FlatConfig } from '../config/types';

/** The `syncserver` logger of a serve process, and what SIGHUP and exit do to its file. */
export interface LogOutput {
  logger: Logger;
  /** Reopens `global.log_file` (after rotation); nothing for stdout. */
  reopen(): void;
}

/**
 * Logs go to stdout as JSON lines, or with `global.log_file` appended to that file, which
 * SIGHUP reopens. Workers and the primary share the file: each line is one synchronous
 * O_APPEND write, so lines never interleave and none is lost when a worker dies.
 */
export function openLogOutput(config: FlatConfig): LogOutput {
  const file = config['global.log_file'];
  if (file === undefined || file === '') return { logger: createLogger(config), reopen: () => undefined };
  const destination = pino.destination({ dest: String(file), append: true, mkdir: true, sync: true });
  return { logger: createLogger(config, destination), reopen: () => destination.reopen() };
}
