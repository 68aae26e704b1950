import type { Logger } from 'pino';
import { createLogger } from '../app/observability/logger';
import type { FlatConfig } from '../config/types';
import { LogFileSink, type LogFileSinkOptions } from './log-file-sink';

/** The `syncserver` logger of a serve process, and what the log-reopen signal and exit do to its file. */
export interface LogOutput {
  logger: Logger;
  /**
   * Reopens `global.log_file` (after rotation); nothing for stdout. A file that cannot be
   * opened is a warning and logging goes on to the file opened before: false then (and the
   * caller says nothing about a reopened file).
   */
  reopen(): boolean;
}

/**
 * Logs go to stdout as JSON lines, or with `global.log_file` appended to that file
 * (`LogFileSink`: one synchronous O_APPEND write per line, shared by the workers and the
 * primary; a failing file is reported on stderr once a minute, not once per record).
 */
export function openLogOutput(config: FlatConfig, options: LogFileSinkOptions = {}): LogOutput {
  const file = config['global.log_file'];
  if (file === undefined || file === '') return { logger: createLogger(config), reopen: () => true };
  const sink = new LogFileSink(String(file), options);
  const logger = createLogger(config, sink);
  return {
    logger,
    reopen: () => {
      try {
        sink.reopen();
        return true;
      } catch (err) {
        logger.warn(`cannot reopen the log file ${String(file)}: ${(err as Error).message}; logging on to the file opened before`);
        return false;
      }
    },
  };
}
