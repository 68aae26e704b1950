import type { IncomingMessage } from 'node:http';
import { HttpError } from '../responses/errors';
import { isJsonContentType } from './json-content-type';
import { ERROR_MALFORMED_JSON } from '../../util/respcodes';
import { jsonBadRequest } from '../responses/responses';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function tooLarge(limit: number): HttpError {
  // The rest of the body is not read: close the connection rather than drain it.
  return new HttpError(413, `Request body larger than ${limit} bytes`, { headers: { Connection: 'close' } });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(limit));
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new HttpError(400, 'The request body could not be read', { cause: err }));
    };
    const onAborted = () => onError(new Error('request aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

const ESCAPED_SURROGATE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function refuseLoneSurrogates(key: string, value: unknown): unknown {
  if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value))) throw new SyntaxError('a lone surrogate');
  return value;
}

/**
 * The request body parsed as JSON, for `{ body: 'json' }` routes. A Content-Type other than
 * JSON (missing, `text/plain`, a charset other than UTF-8) is a 415 and the body is not read;
 * `application/*+json` is JSON. Larger than `limit` bytes
 * (by Content-Length or as it arrives) is a 413; bad UTF-8 or bad JSON, an empty body included,
 * a lone surrogate escape (`"\\ud800"`) included, is a 400 whose JSON body is respcode 6 (ERROR_MALFORMED_JSON), as the Sync API expects (the JSON
 * answer profile: problem details saying so).
 * `accepts` widens the Content-Types taken (a route's `contentTypes`, for legacy clients);
 * `check` sees the bytes before they are parsed (the Hawk payload hash).
 */
export async function readJsonBody(req: IncomingMessage, limit: number, accepts: (header: string | undefined) => boolean = isJsonContentType,
  check?: (bytes: Buffer) => void): Promise<unknown> {
  const bytes = await readChecked(req, limit, accepts, 'Content-Type must be application/json');
  check?.(bytes);
  try {
    const text = utf8.decode(bytes);
    // A lone surrogate (`"\ud800"`) can only come from an escape: such a text is refused, as a
    // database would store U+FFFD while the answer echoed the escape. The reviver runs only then.
    return (ESCAPED_SURROGATE.test(text) ? JSON.parse(text, refuseLoneSurrogates) : JSON.parse(text)) as unknown;
  } catch {
    throw jsonBadRequest(ERROR_MALFORMED_JSON, 'The request body is not valid JSON');
  }
}

/**
 * The request body as a string, for `{ body: 'text' }` routes: UTF-8 (else a 400), at most `limit` bytes (else 413).
 * `check` sees the bytes first (the Hawk payload hash).
 */
export async function readTextBody(req: IncomingMessage, limit: number, accepts: (header: string | undefined) => boolean,
  check?: (bytes: Buffer) => void): Promise<string> {
  const bytes = await readChecked(req, limit, accepts, 'Unsupported Content-Type for this resource');
  check?.(bytes);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'The request body is not UTF-8', { expose: true });
  }
}

/**
 * The body's bytes once its Content-Type is one the route accepts and it has no Content-Encoding
 * (else 415, the body unread: a gzip body read as text would be garbage, and inflating it could
 * pass the limit many times over).
 */
async function readChecked(req: IncomingMessage, limit: number, accepts: (header: string | undefined) => boolean, refusal: string): Promise<Buffer> {
  if (!accepts(req.headers['content-type'])) throw new HttpError(415, refusal, { headers: { Connection: 'close' } });
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new HttpError(415, 'Content-Encoding is not supported: send the body unencoded', { headers: { Connection: 'close', 'Accept-Encoding': 'identity' } });
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  return readBody(req, limit);
}
