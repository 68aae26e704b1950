import { STATUS_CODES } from 'node:http';

// Errors are recognised by a brand, not `instanceof` alone: jest runs each test file in its
// own realm, and an app may load two copies of the package.
const HTTP_ERROR = Symbol.for('services-core.HttpError');
const BACKEND_ERROR = Symbol.for('services-core.BackendError');

export interface HttpErrorOptions {
  /** Whether `message` may be shown to the client (default: true below 500). */
  expose?: boolean;
  headers?: Record<string, string>;
  /** A body to send instead of the message (objects become JSON); the legacy answer profile's. */
  body?: unknown;
  /**
   * The JSON answer profile's members of the problem+json answer (RFC 9457 extension members,
   * and `type`, `title` or `instance`); that profile never sends `body`.
   */
  problem?: Readonly<Record<string, unknown>>;
  cause?: unknown;
}

/** An error that carries its HTTP status; the error boundary answers with it. */
export class HttpError extends Error {
  readonly [HTTP_ERROR] = true;
  readonly status: number;
  readonly expose: boolean;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
  readonly problem?: Readonly<Record<string, unknown>>;

  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    // A client error (4xx) carries no stack: it says what the request did wrong, not where the
    // server is broken, and capturing one was a fifth of a 404's CPU.
    const stackTraceLimit = Error.stackTraceLimit;
    if (status < 500) Error.stackTraceLimit = 0;
    try {
      super(message ?? defaultMessage(status), { cause: options.cause });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.name = 'HttpError';
    this.status = status;
    this.expose = options.expose ?? status < 500;
    this.headers = options.headers ?? {};
    this.body = options.body;
    this.problem = options.problem;
  }
}

export class BadRequestError extends HttpError {
  constructor(message = 'Bad Request', options?: HttpErrorOptions) {
    super(400, message, options);
    this.name = 'BadRequestError';
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = 'Unauthorized', options?: HttpErrorOptions) {
    super(401, message, options);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = 'Forbidden', options?: HttpErrorOptions) {
    super(403, message, options);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'Not Found', options?: HttpErrorOptions) {
    super(404, message, options);
    this.name = 'NotFoundError';
  }
}

export class MethodNotAllowedError extends HttpError {
  constructor(allowed: string[], options: HttpErrorOptions = {}) {
    super(405, 'Method Not Allowed', { ...options, headers: { ...options.headers, Allow: allowed.join(', ') } });
    this.name = 'MethodNotAllowedError';
  }
}

export class ServiceUnavailableError extends HttpError {
  constructor(message = 'Service Unavailable', options: HttpErrorOptions & { retryAfter?: number } = {}) {
    const headers = { ...options.headers };
    if (options.retryAfter !== undefined && options.retryAfter > 0) headers['Retry-After'] = String(options.retryAfter);
    super(503, message, { ...options, headers });
    this.name = 'ServiceUnavailableError';
  }
}

/** A backend (database, directory, upstream) failed; the app answers 503 + Retry-After. */
export class BackendError extends Error {
  readonly [BACKEND_ERROR] = true;
  /** Seconds for Retry-After; undefined means `global.retry_after`, 0 omits the header. */
  readonly retryAfter?: number;

  constructor(message: string, options: { retryAfter?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'BackendError';
    this.retryAfter = options.retryAfter;
  }
}

export class BackendTimeoutError extends BackendError {
  constructor(message: string, options: { retryAfter?: number; cause?: unknown } = {}) {
    super(message, options);
    this.name = 'BackendTimeoutError';
  }
}

export function isHttpError(err: unknown): err is HttpError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[HTTP_ERROR] === true;
}

export function isBackendError(err: unknown): err is BackendError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BACKEND_ERROR] === true;
}

function defaultMessage(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
