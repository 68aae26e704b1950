import pino, { type Logger } from 'pino';
import { logRedaction } from '../app/observability/log-redaction';
import type { AuthBackend } from '../auth/backend';
import { DummyAuth } from '../auth/dummy-auth';
import type { AppOptions } from '../app/types';
import type { SyncServerApp } from '../app/sync-server-app';
import { Config } from '../config/config';
import type { FlatConfig } from '../config/types';
import { MemoryCefSink } from './memory-cef-sink';

/** One line the app logged, as pino wrote it (`level` is pino's number: 30 info, 40 warn, 50 error). */
export type LogRecord = Record<string, unknown> & { level: number; msg: string };

export interface TestAppOptions extends Omit<AppOptions, 'cefSink' | 'logger'> {
  /** Level of the capturing logger (default `debug`). */
  logLevel?: string;
  /** Adds a DummyAuth backend (any password logs in) when neither `auth` nor `auth.backend` gives one. */
  dummyAuth?: boolean;
  /** Run the app's declared migrations at its start, on its own connection (default true; see `AppOptions.migrate`). */
  migrate?: boolean;
}

export interface TestApp<T extends SyncServerApp> {
  app: T;
  /** Every CEF event the app wrote. */
  cef: MemoryCefSink;
  /** Every log line, parsed. */
  logs: LogRecord[];
  logger: Logger;
}

// CEF is on in tests so the auth flow's events can be asserted; a config that sets any cef.*
// key keeps its own.
const TEST_CEF: FlatConfig = { 'cef.vendor': 'mozilla', 'cef.version': 0, 'cef.product': 'weave', 'cef.device_version': '1.3' };

/**
 * Builds an app for supertest on `app.callback()` (the first request starts it; `app.close()`
 * stops it): `config` is INI text or a flat map; the auth backend is `options.auth`, else the
 * one `auth.backend` names, else a DummyAuth only with `dummyAuth: true`; CEF goes to a
 * MemoryCefSink and logs to `logs`. The graceful-shutdown pause defaults to 0.
 */
export function createTestApp<T extends SyncServerApp>(
  AppClass: new (config: FlatConfig, options?: AppOptions) => T,
  config: string | FlatConfig = {},
  options: TestAppOptions = {},
): TestApp<T> {
  const flat = typeof config === 'string' ? Config.parse(config).getMap() : { ...config };
  const hasCef = Object.keys(flat).some((key) => key.startsWith('cef.'));
  const full: FlatConfig = { 'global.graceful_shutdown_interval': 0, ...(hasCef ? {} : TEST_CEF), ...flat };
  const logs: LogRecord[] = [];
  const logger = pino({ name: 'syncserver', level: options.logLevel ?? 'debug', ...logRedaction }, {
    write: (line: string) => {
      logs.push(JSON.parse(line) as LogRecord);
    },
  });
  const cef = new MemoryCefSink();
  const { logLevel: _logLevel, dummyAuth, ...appOptions } = options;
  const auth: AuthBackend | undefined = options.auth ??
    (dummyAuth && full['auth.backend'] === undefined ? new DummyAuth({ allow_dummy: true }) : undefined);
  const app = new AppClass(full, { ...appOptions, migrate: options.migrate ?? true, auth, cefSink: cef, logger });
  return { app, cef, logs, logger };
}
