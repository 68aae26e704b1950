import type { IncomingMessage } from 'node:http';

/** A WSGI-style environ, as the Python callers passed it. */
export interface WsgiEnviron {
  REQUEST_METHOD?: string;
  PATH_INFO?: string;
  HTTP_HOST?: string;
  HTTP_USER_AGENT?: string;
  REMOTE_ADDR?: string;
  HTTP_X_FORWARDED_FOR?: string;
  [key: string]: unknown;
}

/**
 * The minimal shape of a Koa context that CEF reads. `state.clientIp`, when the app set it,
 * is the client address computed with the app's proxy trust (`global.trusted_proxies`).
 */
export interface KoaLikeContext {
  req: IncomingMessage;
  method: string;
  path: string;
  state?: { clientIp?: string; [key: string]: unknown };
}

export type CefEnviron = KoaLikeContext | IncomingMessage | WsgiEnviron;

/** Extra data of one event: `username` → `suser`, `signature` → Signature ID, the rest extensions. */
export interface CefExtra {
  username?: string;
  signature?: string;
  [extensionKey: string]: string | number | undefined;
}

/** One event as written, for sinks that keep structure (the in-memory test sink). */
export interface CefEvent {
  name: string;
  signature: string;
  severity: number;
  suser: string;
  /** Every extension on the line, built-in (`src`, `request`, …) and custom, unescaped. */
  extensions: Record<string, string>;
}

/** Where formatted lines go: a file, syslog, a network collector, memory. */
export interface CefSink {
  /** Human-readable description for start-up logs, e.g. `file /var/log/cef.log`. */
  readonly description: string;
  /** Never throws and never blocks the caller; a broken sink reports and buffers. */
  write(line: string, event: CefEvent): void;
  /** Resolves when everything written so far has been handed to the OS or the peer. */
  flush(): Promise<void>;
  /** Reopens files (after log rotation; SIGUSR1 under `serve`). */
  reopen?(): void;
  close(): Promise<void>;
  /** Cheap state for the heartbeat (no I/O); a sink without it counts as healthy. */
  health?(): CefSinkHealth;
  /** Events dropped so far (a full queue), for metrics. */
  readonly dropped?: number;
}

export interface CefSinkHealth {
  ok: boolean;
  /** Why not, for the heartbeat body. */
  detail?: string;
}
