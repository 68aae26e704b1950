import type { IncomingMessage } from 'node:http';
import { asciiTrim } from '../config/ascii';
import type { CefEnviron, KoaLikeContext, WsgiEnviron } from './types';

/** The request fields that go on every CEF line, unescaped. */
export interface RequestFields {
  userAgent: string;
  method: string;
  path: string;
  /** `None` when unknown, as the legacy line wrote it. */
  src: string;
  host: string;
}

/**
 * docs/compatibility.md B.7: the left-most `X-Forwarded-For` entry (client-supplied, possibly empty; ASCII
 * whitespace trimmed, as Python's `strip()` on bytes), else `REMOTE_ADDR`, else null. Only for
 * WSGI-style environs; a Koa app passes its own computation.
 */
export function getSourceIp(environ: WsgiEnviron): string | null {
  const forwarded = environ.HTTP_X_FORWARDED_FOR;
  if (forwarded !== undefined) return asciiTrim(String(forwarded).split(',')[0]);
  return environ.REMOTE_ADDR ?? null;
}

// Like Python's unquote (PATH_INFO is decoded): valid %XX runs decode, malformed ones stay.
function decodePath(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

function isKoaContext(environ: CefEnviron): environ is KoaLikeContext {
  const req = (environ as KoaLikeContext).req;
  return typeof req === 'object' && req !== null && typeof (environ as KoaLikeContext).path === 'string';
}

function isIncomingMessage(environ: CefEnviron): environ is IncomingMessage {
  const msg = environ as IncomingMessage;
  return typeof msg.headers === 'object' && msg.headers !== null && typeof msg.socket === 'object';
}

function fromRequest(req: IncomingMessage, method: string, path: string, src: string | undefined): RequestFields {
  return {
    userAgent: req.headers['user-agent'] ?? 'none',
    method,
    path,
    src: src ?? 'None',
    host: req.headers.host ?? 'none',
  };
}

/** Reads a Koa context, a Node request or a WSGI-style environ (docs/compatibility.md R.2, B.7). */
export function readEnviron(environ: CefEnviron): RequestFields {
  if (isKoaContext(environ)) {
    const src = environ.state?.clientIp ?? environ.req.socket?.remoteAddress;
    return fromRequest(environ.req, environ.method, decodePath(environ.path), src);
  }
  if (isIncomingMessage(environ)) {
    const url = environ.url ?? '';
    const query = url.indexOf('?');
    const path = decodePath(query === -1 ? url : url.slice(0, query));
    return fromRequest(environ, environ.method ?? '', path, environ.socket?.remoteAddress);
  }
  const wsgi = environ as WsgiEnviron;
  return {
    userAgent: wsgi.HTTP_USER_AGENT ?? 'none',
    method: wsgi.REQUEST_METHOD ?? '',
    path: wsgi.PATH_INFO ?? '',
    src: getSourceIp(wsgi) ?? 'None',
    host: wsgi.HTTP_HOST ?? 'none',
  };
}
