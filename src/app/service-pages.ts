import type { Middleware } from 'koa';
import { renderDebugPage } from './debug-page';
import { BadRequestError, ServiceUnavailableError, isHttpError } from './errors';
import { type CpuProfiler, PROFILE_PATH } from './profiler';
import type { AppContext, AppContextExtras, AppState } from './types';

export interface ServicePagesDeps {
  heartbeatPath: string;
  debugPath?: string;
  /** The live profiler, once the app started with `profile` on. */
  profiler: () => CpuProfiler | undefined;
  isClosing: () => boolean;
  checkServer: (ctx: AppContext) => unknown;
  debugServer: (ctx: AppContext) => string[] | Promise<string[]>;
}

/**
 * Cleans the path (trailing slashes dropped, legacy C.3.5; bad percent-encoding is a 400) and
 * serves the pages that bypass routing and auth: the heartbeat (any method, 200 with an empty
 * text/plain body, 503 when `checkServer` throws or the app is closing), the debug page and
 * the live CPU profile.
 */
export function servicePages(deps: ServicePagesDeps): Middleware<AppState, AppContextExtras> {
  const { heartbeatPath, debugPath } = deps;

  async function heartbeat(ctx: AppContext): Promise<void> {
    if (deps.isClosing()) throw new ServiceUnavailableError('Shutting down');
    try {
      await deps.checkServer(ctx);
    } catch (err) {
      if (isHttpError(err)) throw err;
      ctx.state.log.warn({ err }, 'heartbeat: checkServer failed');
      throw new ServiceUnavailableError(undefined, { cause: err });
    }
    ctx.status = 200;
    ctx.type = 'text/plain';
    ctx.body = '';
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
      path = path.replace(/\/+$/, '') || '/';
      ctx.path = path;
    }
    if (path.includes('%')) {
      try {
        decodeURIComponent(path);
      } catch {
        throw new BadRequestError('Malformed path: bad percent-encoding');
      }
    }
    if (path === heartbeatPath) return heartbeat(ctx);
    if (path === debugPath) return debugPage(ctx);
    if (path === PROFILE_PATH) {
      const cpu = deps.profiler();
      if (cpu) return profile(ctx, cpu);
    }
    return next();
  };
}
