import type { Middleware } from 'koa';
import type { AuthBackend } from '../../auth/backend';
import type { CefLogger } from '../../cef';
import type { FlatConfig } from '../../config/types';
import { accessLog } from './access-log';
import { Heartbeat, builtInChecks, readVersionFile } from '../pages/dockerflow';
import type { AppMetrics } from './metrics';
import { requestSummary } from './mozlog';
import { type OperabilitySettings, readOperabilitySettings } from './operability-settings';
import type { ServicePagesDeps } from '../pages/service-pages';
import type { AppContext, AppContextExtras, AppState } from '../types';

export interface OperabilityParts {
  heartbeatPath: string;
  debugPath?: string;
  /** The app's folder, where `version.json` is looked for. */
  baseDir: string;
  auth?: AuthBackend;
  /** The app's data (`static data`), checked by the heartbeat as `app_data`. */
  data?: { checkHealth(): Promise<void> };
  cef: CefLogger;
  /** The settings, when the caller has read them already. */
  settings?: OperabilitySettings;
  /** Every route's path template, as mounted. */
  routes: string[];
  checkServer: (ctx: AppContext) => unknown;
  /** Whether the app overrides `checkServer` (then it is a Dockerflow check of its own). */
  ownCheckServer: boolean;
  /** `debug`/`translogger`: the Apache access log, unless MozLog writes request summaries. */
  accessLog: boolean;
}

/** The Dockerflow pages, the request log and the metrics of one app, from its config. */
export interface Operability {
  heartbeat: Heartbeat;
  metrics?: AppMetrics;
  /** What `servicePages` needs for the heartbeats, the version and the metrics page. */
  pages: Pick<ServicePagesDeps, 'heartbeat' | 'lbheartbeatPath' | 'versionPath' | 'version' | 'metricsPath' | 'scrapeMetrics'>;
  /** To mount first, in order: the metrics timer, then the access log or MozLog request summary. */
  middleware: Middleware<AppState, AppContextExtras>[];
  /** Reads the files the settings name (`version.json`): called by the app's `start()`. */
  readFiles(): void;
}

export function setUpOperability(config: FlatConfig, parts: OperabilityParts): Operability {
  const ops = parts.settings ?? readOperabilitySettings(config, parts.heartbeatPath);
  const heartbeat = new Heartbeat({
    format: ops.heartbeatFormat,
    timeoutMs: ops.heartbeatTimeoutMs,
    checkServer: parts.checkServer,
    builtIn: builtInChecks({ auth: parts.auth, data: parts.data, cef: parts.cef, checkServer: parts.ownCheckServer ? parts.checkServer : undefined }),
  });
  let version: string | undefined;
  const metricsPath = ops.metrics.port === undefined ? ops.metrics.path : undefined;
  // The metrics' modules (and prom-client) load with metrics.enabled only.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const metrics = ops.metrics.enabled ? (require('./metrics') as typeof import('./metrics')).createAppMetrics(ops.metrics, {
    routes: parts.routes, auth: parts.auth, cef: parts.cef,
    pages: [parts.heartbeatPath, ops.lbheartbeatPath, ops.versionPath, metricsPath, parts.debugPath],
  }) : undefined;
  const middleware: Middleware<AppState, AppContextExtras>[] = [];
  if (metrics) middleware.push(metrics.middleware());
  if (ops.logFormat === 'mozlog') middleware.push(requestSummary());
  else if (parts.accessLog) middleware.push(accessLog());
  return {
    heartbeat,
    metrics,
    pages: {
      heartbeat, version: () => version, metricsPath,
      lbheartbeatPath: ops.lbheartbeatPath,
      versionPath: ops.versionPath,
      scrapeMetrics: metrics && (() => metrics.scrape()),
    },
    middleware,
    readFiles: () => {
      if (ops.versionPath !== undefined) version = readVersionFile(ops.versionFile, parts.baseDir);
    },
  };
}
