/**
 * The request body as UTF-8 text, whatever its Content-Type (urllib2 clients send JSON as
 * `application/x-www-form-urlencoded`), bounded. Stands in for the route option `body: 'text'`
 * until the framework has it (README.md "Framework gaps").
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../../src';

export async function readText(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, 'Request Entity Too Large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new HttpError(413, 'Request Entity Too Large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parsed JSON, or `undefined` when the text is not JSON. */
export function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
