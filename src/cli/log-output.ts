import pino, { type Logger } from 'pino';
import { createLogger } from '../app/observability/logger';
import type { FlatConfig } from '../config/types';

/** The `syncserver` logger of a serve process, and what SIGHUP and exit do to its file. */
export interface LogOutput {
  logger: Logger;
  /**
   * Reopens `global.log_file` (after rotation); nothing for stdout. A file that cannot be
   * opened is a warning and logging goes on to the file opened before: false then.
   */
  reopen(): boolean;
}

/**
 * Logs go to stdout as JSON lines, or with `global.log_file` appended to that file, which
 * SIGHUP reopens. Workers and the primary share the file: each line is one synchronous
 * O_APPEND write, so lines never interleave and none is lost when a worker dies.
 */
export function openLogOutput(config: FlatConfig): LogOutput {
  const file = config['global.log_file'];
  if (file === undefined || file === '') return { logger: createLogger(config), reopen: () => true };
  const destination = pino.destination({ dest: String(file), append: true, mkdir: true, sync: true });
  const logger = createLogger(config, destination);
  // sonic-boom also emits a failed reopen as 'error' (next tick), which pino passes on: without
  // a listener it would be an uncaught exception. The reopen warns itself; other errors go to stderr.
  let failedReopen: unknown;
  destination.on('error', (err: Error) => {
    if (err !== failedReopen) process.stderr.write(`services-core: log file ${String(file)}: ${err.message}\n`);
  });
  return {
    logger,
    reopen: () => {
      try {
        // A failed synchronous reopen throws and leaves the old descriptor in place.
        destination.reopen();
        return true;
      } catch (err) {
        failedReopen = err;
        logger.warn(`cannot reopen the log file ${String(file)}: ${(err as Error).message}; logging on to the file opened before`);
        return false;
      }
    },
  };
}
