import { randomBytes } from 'node:crypto';

// An id from a proxy or client is kept when it is short and plain, so it can go into logs.
const SANE_ID = /^[\w.:@+=-]{1,128}$/;

/**
 * Request ids: a sane incoming `X-Request-Id`, else a per-process random prefix and a counter
 * (unique without a random draw per request).
 */
export function requestIdSource(): (incoming: string | undefined) => string {
  const prefix = randomBytes(6).toString('base64url');
  let counter = 0;
  return (incoming) => (incoming !== undefined && SANE_ID.test(incoming) ? incoming : `${prefix}-${(++counter).toString(36)}`);
}
