import pino, { type DestinationStream, type Logger } from 'pino';
import { ConfigError } from '../../config/errors';
import type { FlatConfig } from '../../config/types';
import { logRedaction } from './log-redaction';
import { MOZLOG_PINO_OPTIONS, mozlogDestination } from './mozlog';
import { readLogFormat } from './operability-settings';

/**
 * The one logger of the framework, named `syncserver` (docs/compatibility.md G.2), at `global.log_level`,
 * writing to `destination` (default: stdout), as pino JSON lines or MozLog (`global.log_format`).
 * Credentials and raw request bytes are redacted from every line (src/app/observability/log-redaction.ts).
 */
export function createLogger(config: FlatConfig, destination?: DestinationStream): Logger {
  const level = String(config['global.log_level'] ?? 'info').toLowerCase();
  if (!Object.prototype.hasOwnProperty.call(pino.levels.values, level) && level !== 'silent') {
    throw new ConfigError(`global.log_level: unknown level '${level}' (use ${Object.keys(pino.levels.values).join(', ')} or silent)`);
  }
  // `global.log_format = mozlog`: the same records in the MozLog envelope (src/app/observability/mozlog.ts).
  if (readLogFormat(config) === 'mozlog') {
    return pino({ name: 'syncserver', level, ...logRedaction, ...MOZLOG_PINO_OPTIONS }, mozlogDestination(destination));
  }
  return pino({ name: 'syncserver', level, ...logRedaction }, destination);
}
