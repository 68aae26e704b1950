import type { Middleware } from 'koa';
import { renderDebugPage } from './debug-page';
import type { Heartbeat } from './dockerflow';
import { BadRequestError, ServiceUnavailableError } from '../responses/errors';
import { type CpuProfiler, PROFILE_PATH } from './profiler';
import type { AppContext, AppContextExtras, AppState } from '../types';

export interface ServicePagesDeps {
  heartbeatPath: string;
  debugPath?: string;
  /** The live profiler, once the app started with `profile` on. */
  profiler: () => CpuProfiler | undefined;
  /** True once the app's shutdown began: both heartbeats answer 503. */
  isClosing: () => boolean;
  heartbeat: Heartbeat;
  /** Dockerflow pages (src/app/pages/dockerflow.ts); `version` gives the version.json text read at start, if any. */
  lbheartbeatPath?: string;
  versionPath?: string;
  version: () => string | undefined;
  /** The metrics scrape on the app port (src/app/observability/metrics.ts). */
  metricsPath?: string;
  scrapeMetrics?: () => Promise<{ contentType: string; body: string }>;
  debugServer: (ctx: AppContext) => string[] | Promise<string[]>;
  /** `global.openapi_page` and the document's JSON text. */
  openApiPath?: string;
  openApi?: () => string;
}

/**
 * Cleans the path (trailing slashes dropped, docs/compatibility.md C.3.5; bad percent-encoding is a 400) and
 * serves the pages that bypass routing and auth, for any method: the heartbeat (src/app/pages/dockerflow.ts),
 * the load balancer heartbeat (200 without touching a backend, 503 once the app is closing),
 * the version.json (404 without one), the metrics scrape, the debug page, the live CPU profile and
 * the OpenAPI document (`global.openapi_page`).
 */
export function servicePages(deps: ServicePagesDeps): Middleware<AppState, AppContextExtras> {
  const { heartbeatPath, debugPath, lbheartbeatPath, versionPath, version, metricsPath, scrapeMetrics, openApiPath, openApi } = deps;

  function lbheartbeat(ctx: AppContext): void {
    ctx.status = deps.isClosing() ? 503 : 200;
    ctx.type = 'application/json';
    ctx.body = ctx.status === 200 ? '{"status":"ok"}' : '{"status":"shutting down"}';
  }

  function versionPage(ctx: AppContext): void {
    const text = version();
    ctx.status = text === undefined ? 404 : 200;
    ctx.type = 'application/json';
    ctx.body = text ?? '{"error":"no version.json"}';
  }

  async function metrics(ctx: AppContext, scrape: NonNullable<typeof scrapeMetrics>): Promise<void> {
    let result;
    try {
      result = await scrape();
    } catch (err) {
      ctx.state.log.warn({ err }, 'metrics scrape failed');
      throw new ServiceUnavailableError('Metrics unavailable', { cause: err });
    }
    const { contentType, body } = result;
    ctx.type = contentType;
    ctx.body = body;
  }

  async function debugPage(ctx: AppContext): Promise<void> {
    const lines = await deps.debugServer(ctx);
    ctx.type = 'text/html';
    ctx.body = renderDebugPage(ctx, ctx.state.config, lines);
  }

  async function profile(ctx: AppContext, cpu: CpuProfiler): Promise<void> {
    ctx.set('Content-Disposition', `attachment; filename="syncserver-${process.pid}.cpuprofile"`);
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(await cpu.take());
  }

  return function servicePagesMiddleware(ctx, next) {
    let path = ctx.path;
    if (path.length > 1 && path.charCodeAt(path.length - 1) === 0x2f) {
      // A loop, not /\/+$/: that regex is quadratic on a path of many slashes.
      let end = path.length - 1;
      while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
      path = end === 0 ? '/' : path.slice(0, end);
      ctx.path = path;
    }
    if (path.includes('%')) {
      try {
        decodeURIComponent(path);
      } catch {
        throw new BadRequestError('Malformed path: bad percent-encoding');
      }
    }
    if (path === heartbeatPath) return deps.heartbeat.serve(ctx, deps.isClosing());
    if (path === lbheartbeatPath) return lbheartbeat(ctx);
    if (path === versionPath) return versionPage(ctx);
    if (scrapeMetrics && path === metricsPath) return metrics(ctx, scrapeMetrics);
    if (path === debugPath) return debugPage(ctx);
    if (openApi && path === openApiPath) {
      ctx.type = 'application/json';
      ctx.body = openApi();
      return undefined;
    }
    if (path === PROFILE_PATH) {
      const cpu = deps.profiler();
      if (cpu) return profile(ctx, cpu);
    }
    return next();
  };
}
