import type { ConfigValue, FlatConfig } from '../config/types';
import type { ServePlan } from './serve-plan';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A ServePlan as JSON gives it back (from a check process, or the primary to a worker). */
export function isServePlan(value: unknown): value is ServePlan {
  return isObject(value) && typeof value.iniPath === 'string' && isObject(value.config) && typeof value.appSpec === 'string' &&
    typeof value.baseDir === 'string' && typeof value.host === 'string' && Number.isInteger(value.port) &&
    Number.isInteger(value.workers) && typeof value.stopTimeout === 'number' && Array.isArray(value.notices);
}

const same = (a: ConfigValue | undefined, b: ConfigValue | undefined) => JSON.stringify(a) === JSON.stringify(b);
const changedKeys = (a: FlatConfig, b: FlatConfig, prefix: string) =>
  [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => key.startsWith(prefix) && !same(a[key], b[key])).sort();

/**
 * The plan a reload starts its workers with: the checked plan `next`, minus what only a restart
 * can change, each named in a warning: the listening address (the socket stays open), the
 * `metrics.*` listener (the primary's), the primary's log file, the limits of the `cluster`
 * throttle store (its counters keep the options they were created with), and the worker count
 * when `--workers` was on the command line.
 */
export function planForReload(old: ServePlan, next: ServePlan, workersFromCommandLine: boolean): { plan: ServePlan; warnings: string[] } {
  const warnings: string[] = [];
  const config: FlatConfig = { ...next.config };
  if (next.host !== old.host || next.port !== old.port) {
    warnings.push(`reload: the listening address stays ${old.host}:${old.port} (the socket is kept open; ${next.host}:${next.port} takes a restart)`);
  }
  const metrics = changedKeys(old.config, next.config, 'metrics.');
  if (metrics.length > 0) {
    warnings.push(`reload: ${metrics.join(', ')} unchanged: the metrics listener is the primary's (a restart changes it)`);
    for (const key of metrics) {
      if (old.config[key] === undefined) delete config[key];
      else config[key] = old.config[key];
    }
  }
  if (!same(old.config['global.log_file'], next.config['global.log_file'])) {
    warnings.push(`reload: the primary goes on logging to ${String(old.config['global.log_file'] ?? 'stdout')}; the new workers log to ${String(next.config['global.log_file'] ?? 'stdout')}`);
  }
  const throttle = changedKeys(old.config, next.config, 'auth.throttle_');
  const store = next.config['auth.throttle_store'];
  if (throttle.length > 0 && next.config['auth.backend'] !== undefined && (store === undefined || store === 'cluster')) {
    warnings.push(`reload: ${throttle.join(', ')} changed: the cluster throttle store keeps the limits its counters were created with until serve restarts`);
  }
  if (workersFromCommandLine && !same(old.config['server.workers'], next.config['server.workers'])) {
    warnings.push(`reload: [server:main] workers changed, but --workers ${next.workers} on the command line wins`);
  }
  return { plan: { ...next, host: old.host, port: old.port, config }, warnings };
}
